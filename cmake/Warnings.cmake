# Strict warnings for Gureum's own targets only (never for third-party code).
add_library(gureum_warnings INTERFACE)
target_compile_options(gureum_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
if(GUREUM_WERROR)
  target_compile_options(gureum_warnings INTERFACE -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(gureum_warnings INTERFACE -Wthread-safety)
endif()
