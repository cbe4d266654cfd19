// A small seeded random source for the synthetic task.
//
// The standard library's distributions are implementation-defined, so the
// same seed could give different corpora with another libstdc++. SplitMix64
// with explicit integer/double mappings makes every generated dialog, pair
// and labeler choice a pure function of the seed on every platform.
// Not thread-safe: one SimRng per thread.
#ifndef SHAMMIE_SIM_RNG_H_
#define SHAMMIE_SIM_RNG_H_

#include <cstdint>
#include <vector>

namespace shammie::sim {

class SimRng {
 public:
  explicit SimRng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0. Modulo bias is < 2^-40 for the small
  // n used here.
  int64_t Uniform(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }
  // Uniform in [lo, hi] inclusive.
  int64_t Range(int64_t lo, int64_t hi) { return lo + Uniform(hi - lo + 1); }
  // Uniform in [0, 1) with 53 random bits.
  double UniformDouble() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  bool Bernoulli(double p) { return UniformDouble() < p; }

  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Uniform(static_cast<int64_t>(v.size())))];
  }

 private:
  uint64_t state_;
};

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_RNG_H_
