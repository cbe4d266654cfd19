// Test helper: raw tensor folders shared with the Python reference
// (bench/reference/gpt_ref.py read_tensors / write_tensors): manifest.json
// plus one little-endian .bin file per tensor. Only float32 and int64.
#ifndef SHAMMIE_TESTS_POLICY_RAW_TENSORS_H_
#define SHAMMIE_TESTS_POLICY_RAW_TENSORS_H_

#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/gpt.h"

namespace shammie::testing {

inline void WriteRawTensors(const std::string& dir, const std::map<std::string, torch::Tensor>& tensors,
                            const nlohmann::json& config = nlohmann::json::object()) {
  std::filesystem::create_directories(dir);
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& [name, tensor] : tensors) {
    torch::Tensor t = tensor.detach().contiguous().cpu();
    const std::string file = name + ".bin";
    std::ofstream out(dir + "/" + file, std::ios::binary);
    out.write(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    meta[name] = {{"shape", t.sizes().vec()},
                  {"dtype", t.scalar_type() == torch::kLong ? "int64" : "float32"},
                  {"file", file}};
  }
  std::ofstream(dir + "/manifest.json") << nlohmann::json{{"config", config}, {"tensors", meta}};
}

inline std::map<std::string, torch::Tensor> ReadRawTensors(const std::string& dir) {
  nlohmann::json manifest = nlohmann::json::parse(std::ifstream(dir + "/manifest.json"));
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, meta] : manifest["tensors"].items()) {
    const auto dtype = meta["dtype"] == "int64" ? torch::kLong : torch::kFloat32;
    torch::Tensor t = torch::empty(meta["shape"].get<std::vector<int64_t>>(), dtype);
    std::ifstream in(dir + "/" + meta["file"].get<std::string>(), std::ios::binary);
    in.read(static_cast<char*>(t.data_ptr()), t.numel() * t.element_size());
    out[name] = t;
  }
  return out;
}

inline nlohmann::json ConfigJson(const policy::GptConfig& c) {
  return {{"n_layer", c.n_layer}, {"n_head", c.n_head}, {"n_embd", c.n_embd},
          {"n_positions", c.n_positions}, {"vocab_size", c.vocab_size},
          {"layer_norm_epsilon", c.layer_norm_epsilon}};
}

inline std::map<std::string, torch::Tensor> StateDict(policy::Gpt& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value();
  return out;
}

// Runs a script from bench/reference/ with /usr/bin/python3; returns its exit code.
inline int RunReference(const std::string& script, const std::string& args) {
  const char* src = std::getenv("SHAMMIE_SOURCE_DIR");
  const std::string dir = std::string(src ? src : ".") + "/bench/reference";
  const std::string cmd = "cd '" + dir + "' && OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 " +
                          script + " " + args;
  return std::system(cmd.c_str());
}

inline std::string TempDir(const std::string& name) {
  std::string dir = std::filesystem::temp_directory_path() /
                    (name + "." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_POLICY_RAW_TENSORS_H_
