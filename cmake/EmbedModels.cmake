# The AWS API models (botocore service-2.json) are embedded in the binary at build time, so the
# daemon needs no Python or botocore at run time and every operation of a service is known.
set(GUREUM_MODEL_SERVICES sts iam ec2 rds cloudwatch s3 rds-data)
set(GUREUM_MODEL_DIR ${CMAKE_BINARY_DIR}/models)
find_program(GUREUM_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT GUREUM_PYTHON)
  find_program(GUREUM_PYTHON NAMES python3 REQUIRED)
endif()

set(model_inputs)
foreach(service ${GUREUM_MODEL_SERVICES})
  file(GLOB versions LIST_DIRECTORIES true ${GUREUM_BOTOCORE_DATA}/${service}/*)
  if(NOT versions)
    message(FATAL_ERROR "No AWS model for '${service}' under ${GUREUM_BOTOCORE_DATA}: "
                        "install python3-botocore (scripts/setup-deps does)")
  endif()
  foreach(v ${versions})
    file(GLOB files ${v}/service-2.json*)
    list(APPEND model_inputs ${files})
  endforeach()
endforeach()

file(GLOB model_overlays CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/model-overlays/*.json)

add_custom_command(
  OUTPUT ${GUREUM_MODEL_DIR}/models.S ${GUREUM_MODEL_DIR}/embedded_models.cc
  COMMAND ${GUREUM_PYTHON} ${PROJECT_SOURCE_DIR}/cmake/strip_models.py ${GUREUM_BOTOCORE_DATA}
          ${GUREUM_MODEL_DIR} ${GUREUM_MODEL_SERVICES}
  DEPENDS ${PROJECT_SOURCE_DIR}/cmake/strip_models.py ${model_inputs} ${model_overlays}
  COMMENT "Embedding AWS service models: ${GUREUM_MODEL_SERVICES}"
  VERBATIM)
