# Sanitizer and fuzzing builds (docs/security.md, "Sanitizers and fuzzing").
#
#   SHAMMIE_SANITIZE=ON  AddressSanitizer + UndefinedBehaviorSanitizer on all
#                        of our code (build-sanitize/, `make test-sanitize`).
#                        UBSan does not recover: a report fails the test.
#   SHAMMIE_FUZZ=ON      clang only: our code gets -fsanitize=fuzzer-no-link
#                        plus ASan/UBSan, and tests/fuzz/ adds one libFuzzer
#                        binary per target (build-fuzz/, `make fuzz`).
#
# Torch stays out of the sanitizer run: building the torch half of the tree
# with ASan on 2 cores from a cold cache takes longer than CI can afford, and
# Debian's libtorch/OpenBLAS are not instrumented anyway. Every test whose
# link closure (and the binaries it spawns, declared with add_dependencies)
# is torch-free (and, in the default scope, tests input parsing: see
# SHAMMIE_SANITIZE_SCOPE) gets the label "sanitize" and joins the target
# shammie_sanitize_tests; `make test-sanitize` builds that target and runs
# `ctest -L sanitize -LE learning`.
option(SHAMMIE_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
# Which torch-free tests join the sanitizer run:
#   input       (default, CI) the code that parses what comes from outside:
#               tests under common/, storage/, policy/ (the torch-free
#               formats), services/collector/ and fuzz/ (corpus replays)
#   torch-free  every torch-free test (adds scheduler, metrics, dashboard,
#               sim, jobs, deploy: about twice the build)
#   all         every test not labelled "learning", torch-linked ones
#               included (policy, reward model, trainers, four services):
#               libtorch/OpenBLAS/libgomp stay uninstrumented, our side of
#               every tensor call is checked (docs/security.md)
# `make test-sanitize SANITIZE_SCOPE=torch-free` runs the wide set.
set(SHAMMIE_SANITIZE_SCOPE "input" CACHE STRING "input, torch-free or all")
set_property(CACHE SHAMMIE_SANITIZE_SCOPE PROPERTY STRINGS input torch-free all)
option(SHAMMIE_FUZZ "Build the libFuzzer targets of tests/fuzz (clang)" OFF)

if(SHAMMIE_SANITIZE AND SHAMMIE_FUZZ)
  message(FATAL_ERROR "SHAMMIE_SANITIZE and SHAMMIE_FUZZ use separate build directories")
endif()

if(SHAMMIE_SANITIZE)
  # -O1 -g1: line numbers in reports at a fraction of -g's compile and link
  # time; -O1 keeps ASan's slowdown at ~2x.
  set(_shammie_san -fsanitize=address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
  add_compile_options(${_shammie_san} -O1 -g1)
  add_link_options(-fsanitize=address,undefined)
endif()

if(SHAMMIE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SHAMMIE_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++ "
                        "-DCMAKE_C_COMPILER=clang (make fuzz does)")
  endif()
  # fuzzer-no-link: coverage instrumentation for every library the targets
  # link; only the fuzz binaries themselves link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1 -g1)
  add_link_options(-fsanitize=address,undefined)
endif()

# True in ${out} when `target` links torch, directly or through a library, or
# depends (add_dependencies) on a target that does. Results are memoized in
# global properties; imported targets other than torch count as torch-free.
function(shammie_uses_torch target out)
  get_property(known GLOBAL PROPERTY _shammie_torch_${target} SET)
  if(known)
    get_property(v GLOBAL PROPERTY _shammie_torch_${target})
    set(${out} ${v} PARENT_SCOPE)
    return()
  endif()
  set(result FALSE)
  if(target STREQUAL "torch" OR target STREQUAL "shammie_torch_pch")
    set(result TRUE)
  elseif(TARGET ${target})
    get_target_property(imported ${target} IMPORTED)
    if(NOT imported)
      set_property(GLOBAL PROPERTY _shammie_torch_${target} FALSE)  # cycle guard
      set(deps)
      foreach(prop LINK_LIBRARIES INTERFACE_LINK_LIBRARIES MANUALLY_ADDED_DEPENDENCIES)
        get_target_property(v ${target} ${prop})
        if(v)
          list(APPEND deps ${v})
        endif()
      endforeach()
      foreach(dep IN LISTS deps)
        # "$<LINK_ONLY:x>" → x; other generator expressions and "::@(…)"
        # directory markers name no target.
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" dep "${dep}")
        if(dep MATCHES "^\\$<|^::@|^-")
          continue()
        endif()
        shammie_uses_torch(${dep} dep_torch)
        if(dep_torch)
          set(result TRUE)
          break()
        endif()
      endforeach()
    endif()
  endif()
  set_property(GLOBAL PROPERTY _shammie_torch_${target} ${result})
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# Deferred to the end of the declaring directory (so its add_dependencies
# calls are seen): labels test `path` (executable `target`, ctest label
# `label`) "sanitize" when the scope takes it (never a learning test), and
# adds it to shammie_sanitize_tests.
function(shammie_sanitize_label path target label)
  if(label STREQUAL "learning")
    return()  # minutes of training, more under ASan: never in the run
  endif()
  if(SHAMMIE_SANITIZE_SCOPE STREQUAL "all")
    set_property(TEST ${path} APPEND PROPERTY LABELS sanitize)
    add_dependencies(shammie_sanitize_tests ${target})
    return()
  endif()
  if(SHAMMIE_SANITIZE_SCOPE STREQUAL "input" AND
     NOT path MATCHES "^(common|storage|policy|services/collector|fuzz)/")
    return()
  endif()
  shammie_uses_torch(${target} uses)
  if(NOT uses)
    set_property(TEST ${path} APPEND PROPERTY LABELS sanitize)
    add_dependencies(shammie_sanitize_tests ${target})
  endif()
endfunction()
