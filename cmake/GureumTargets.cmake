# gureum_library(<name> SOURCES ... [DEPS ...]): one static library per module, with the project's
# warnings and sanitizers, public headers from include/ and private ones beside the sources.
function(gureum_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} gureum_sanitizers gureum_fuzz_coverage
                        PRIVATE gureum_warnings)
endfunction()

# gureum_executable(<name> SOURCES ... [DEPS ...])
function(gureum_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} gureum_sanitizers gureum_fuzz_coverage
                        gureum_warnings)
endfunction()
