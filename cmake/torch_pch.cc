// Anchor for the shared torch precompiled header (cmake/ShammieTorch.cmake).
#include <torch/torch.h>
