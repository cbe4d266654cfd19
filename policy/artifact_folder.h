// Writing a folder so that readers see all of it or none of it.
//
// WriteFolderAtomically(final_dir, fill) creates a temporary folder next to
// final_dir (same parent, so rename is atomic: "<parent>/.<name>.tmp-<pid>-<n>"),
// lets `fill` write the files, fsyncs every file and the folder, renames it
// to final_dir and fsyncs the parent. If `fill` fails or the process dies
// midway, final_dir does not exist (a crashed writer leaves only a .tmp-
// folder, which RemoveStaleTempFolders cleans up).
//
// Errors: ALREADY_EXISTS when final_dir exists (artifacts are immutable;
// the caller picks a new name or removes the old one); whatever `fill`
// returns; INTERNAL for file-system errors. Thread-safe for different
// final_dir values. Torch-free.
#ifndef SHAMMIE_POLICY_ARTIFACT_FOLDER_H_
#define SHAMMIE_POLICY_ARTIFACT_FOLDER_H_

#include <functional>
#include <string>

#include "absl/status/status.h"

namespace shammie::policy {

// Writes files into the temporary folder it is given (an existing, empty
// folder). Files it writes need not be fsynced: the caller does that.
using FolderFiller = std::function<absl::Status(const std::string& tmp_dir)>;

absl::Status WriteFolderAtomically(const std::string& final_dir, const FolderFiller& fill);

// Removes "<parent>/.<anything>.tmp-*" folders left by crashed writers.
// Call only when no writer is running in `parent`.
absl::Status RemoveStaleTempFolders(const std::string& parent);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_ARTIFACT_FOLDER_H_
