// A fresh directory under $TMPDIR (or /tmp), removed with everything in it
// when the object goes away. For tests that need a real RocksDB on disk.
#ifndef SHAMMIE_TESTS_LIB_TEMP_DIR_H_
#define SHAMMIE_TESTS_LIB_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace shammie::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/shammie-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_TEMP_DIR_H_
