# Installs a built tensorgrad tree into a fresh prefix, then configures, builds and runs the
# outside project in this directory against it (find_package(tensorgrad) from that prefix only).
#
#   cmake -DBUILD_DIR=<tensorgrad build dir> [-DSRC=<this dir>] [-DWORK_DIR=<scratch dir>]
#         [-DGENERATOR=Ninja] [-DCXX_COMPILER=<c++>] [-DBUILD_TYPE=Release]
#         -P tests/install/run_install_test.cmake
#
# Registered in ctest as `install_consumer`; WORK_DIR defaults to <BUILD_DIR>/install-test.
cmake_minimum_required(VERSION 3.20)

if(NOT DEFINED BUILD_DIR)
    message(FATAL_ERROR "run_install_test: pass -DBUILD_DIR=<tensorgrad build dir>")
endif()
if(NOT DEFINED SRC)
    get_filename_component(SRC "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
endif()
get_filename_component(BUILD_DIR "${BUILD_DIR}" ABSOLUTE)  # relative to the current directory
if(NOT DEFINED WORK_DIR)
    set(WORK_DIR "${BUILD_DIR}/install-test")
endif()
get_filename_component(WORK_DIR "${WORK_DIR}" ABSOLUTE)
if(NOT GENERATOR)
    set(GENERATOR Ninja)
endif()
if(NOT BUILD_TYPE)
    set(BUILD_TYPE Release)
endif()

set(prefix "${WORK_DIR}/prefix")
set(cbuild "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run step)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        string(REPLACE ";" " " cmd "${ARGN}")
        message(FATAL_ERROR "install_consumer: ${step} failed (${rc}):\n  ${cmd}\n${out}")
    endif()
    set(step_output "${out}" PARENT_SCOPE)
endfunction()

run("cmake --install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")

# The installed headers must be self-contained and free of xtensor.
file(GLOB_RECURSE headers "${prefix}/include/tensorgrad/*")
if(NOT headers)
    message(FATAL_ERROR "install_consumer: no headers under ${prefix}/include/tensorgrad")
endif()
if(NOT EXISTS "${prefix}/include/tensorgrad/tensorgrad.hpp")
    message(FATAL_ERROR "install_consumer: ${prefix}/include/tensorgrad/tensorgrad.hpp is missing")
endif()
foreach(h IN LISTS headers)
    file(STRINGS "${h}" bad REGEX "^[ \t]*#[ \t]*include[ \t]*<xtensor")
    if(bad)
        message(FATAL_ERROR "install_consumer: installed header ${h} includes xtensor: ${bad}")
    endif()
endforeach()

set(configure_args -S "${SRC}" -B "${cbuild}" -G "${GENERATOR}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
    "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
if(CXX_COMPILER)
    list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
run("configuring the consumer" "${CMAKE_COMMAND}" ${configure_args})
run("building the consumer" "${CMAKE_COMMAND}" --build "${cbuild}")
run("running the consumer" "${cbuild}/consumer")
string(STRIP "${step_output}" step_output)
message(STATUS "${step_output}")
