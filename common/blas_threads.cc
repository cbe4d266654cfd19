// OpenBLAS's thread count through its C API, found with dlsym so that the
// binary neither links OpenBLAS directly nor breaks under another BLAS
// (the Debian alternatives system picks libblas.so.3 at run time).
#include "common/blas_threads.h"

#include <dlfcn.h>

#include <mutex>

namespace shammie::common {
namespace {

using GetFn = int (*)();
using SetFn = void (*)(int);

struct OpenBlasApi {
  GetFn get = nullptr;
  SetFn set = nullptr;
};

const OpenBlasApi& Api() {
  static const OpenBlasApi api = [] {
    OpenBlasApi a;
    a.get = reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    a.set = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (a.get == nullptr || a.set == nullptr) a = OpenBlasApi{};
    return a;
  }();
  return api;
}

std::mutex mu;
int holders = 0;  // live ScopedSingleThreadBlas objects
int saved = 0;    // OpenBLAS's thread count before the first holder

}  // namespace

int BlasThreads() { return Api().get != nullptr ? Api().get() : 0; }

ScopedSingleThreadBlas::ScopedSingleThreadBlas() {
  const OpenBlasApi& api = Api();
  if (api.set == nullptr) return;
  std::lock_guard<std::mutex> lock(mu);
  if (holders++ == 0) {
    saved = api.get();
    if (saved != 1) api.set(1);
  }
}

ScopedSingleThreadBlas::~ScopedSingleThreadBlas() {
  const OpenBlasApi& api = Api();
  if (api.set == nullptr) return;
  std::lock_guard<std::mutex> lock(mu);
  if (--holders == 0 && saved != 1) api.set(saved);
}

}  // namespace shammie::common
