# Torch for a target, with one shared precompiled header.
#
# <torch/torch.h> takes ~30 s to parse; every target that needs torch reuses
# one PCH built once (shammie_torch_pch), which cuts that to a few seconds per
# file. Only libraries and tests that really run torch call this; service
# headers stay torch-free (pimpl) so service files compile in seconds.
add_library(shammie_torch_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/torch_pch.cc)
target_link_libraries(shammie_torch_pch PUBLIC torch)
target_precompile_headers(shammie_torch_pch PRIVATE <torch/torch.h>)
# Abseil (through shammie_common) adds -pthread, which defines _REENTRANT;
# a PCH built without it is rejected ("not used because _REENTRANT is
# defined") and every torch file silently pays the full parse. Build the PCH
# with -pthread and give it to every torch target so the macros always match.
target_compile_options(shammie_torch_pch PRIVATE -pthread)

function(shammie_link_torch target scope)
  target_link_libraries(${target} ${scope} torch)
  target_compile_options(${target} PRIVATE -pthread)
  target_precompile_headers(${target} REUSE_FROM shammie_torch_pch)
endfunction()
