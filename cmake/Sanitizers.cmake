# Sanitizers as an INTERFACE target every Gureum target links (GUREUM_SANITIZE=address;undefined).
add_library(gureum_sanitizers INTERFACE)
if(GUREUM_SANITIZE)
  if("thread" IN_LIST GUREUM_SANITIZE AND "address" IN_LIST GUREUM_SANITIZE)
    message(FATAL_ERROR "ThreadSanitizer cannot be combined with AddressSanitizer")
  endif()
  list(JOIN GUREUM_SANITIZE "," sanitizers)
  set(flags -fsanitize=${sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND "undefined" IN_LIST GUREUM_SANITIZE)
    # clang 14 miscompiles -fsanitize=function inside C++20 coroutine frames ("Cannot represent
    # a difference across sections"); every other UBSan check stays on.
    list(APPEND flags -fno-sanitize=function)
  endif()
  target_compile_options(gureum_sanitizers INTERFACE ${flags})
  target_link_options(gureum_sanitizers INTERFACE ${flags})
endif()

# libFuzzer: coverage instrumentation on all of our code, the fuzzer runtime only in fuzz targets.
add_library(gureum_fuzz_coverage INTERFACE)
if(GUREUM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GUREUM_FUZZ needs clang (libFuzzer)")
  endif()
  target_compile_options(gureum_fuzz_coverage INTERFACE -fsanitize=fuzzer-no-link)
endif()
