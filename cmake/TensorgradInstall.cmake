# Install rules and the CMake package of tensorgrad. Included at the end of the top-level
# CMakeLists.txt, after every target exists.
#
#   cmake --install build --prefix <dir>
#   # consumer: find_package(tensorgrad REQUIRED)  target_link_libraries(app PRIVATE tensorgrad::tensorgrad)
#
# Layout under <dir>:
#   include/tensorgrad/tensorgrad.hpp              the umbrella header
#   include/tensorgrad/{tensor,scalar,autodiff,ops,transforms,solvers,nn}/...hpp   the public headers, same layout as
#                                                  the source tree (they include each other relatively)
#   lib/libtensorgrad.a
#   lib/cmake/tensorgrad/tensorgrad{Config,ConfigVersion,Targets*}.cmake
#
# Two things need care:
#  1. Headers that include xtensor (the kernels' internals, e.g. tensor/detail/) are not installed:
#     user code never parses xtensor. Any header that includes one of them is internal too. The
#     headers are classified when cmake configures (scripts/test.sh always re-runs it); the check
#     below warns if the umbrella header reaches an internal one.
#  2. libtensorgrad.a links its dependencies PRIVATE through the build-only INTERFACE target
#     tg_deps_private, whose compile options (a forced -include of the xtensor fix) must never reach
#     a consumer. A static library's consumer still needs the link dependencies, so the exported
#     target gets them re-created as link-only items: packages through find_dependency() in the
#     config file (TBB, Threads, ...), plain library files (libopenblas) through find_library().
#     Header-only dependencies (xtensor, xsimd, xtl) contribute nothing at link time and are dropped.
# The arch flags (TG_ARCH_FLAGS, e.g. -march=native) are PUBLIC compile options of the library, so
# the exported target carries them and a consumer compiles for the same SIMD width.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TG_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/tensorgrad" CACHE STRING
    "Where the tensorgrad CMake package files are installed (relative to the prefix)")
set(_tg_src "${tensorgrad_SOURCE_DIR}")
set(_tg_header_dirs tensor scalar autodiff ops transforms solvers nn)

# ---------------------------------------------------------------------------------------------
# 1. Headers
# ---------------------------------------------------------------------------------------------
set(_tg_globs "")
foreach(_d IN LISTS _tg_header_dirs)
    foreach(_ext IN ITEMS hpp h ipp tpp inl)
        list(APPEND _tg_globs "${_tg_src}/${_d}/*.${_ext}")
    endforeach()
endforeach()
file(GLOB_RECURSE _tg_headers CONFIGURE_DEPENDS RELATIVE "${_tg_src}" ${_tg_globs})
list(SORT _tg_headers)
set(_tg_umbrella "tensorgrad.hpp")
set(_tg_scanned ${_tg_headers})
if(EXISTS "${_tg_src}/${_tg_umbrella}")
    list(APPEND _tg_scanned ${_tg_umbrella})
endif()

# Direct facts per header: does it include xtensor, and which of our headers does it include.
set(_tg_internal "")
foreach(_h IN LISTS _tg_scanned)
    string(MAKE_C_IDENTIFIER "${_h}" _id)
    set(_tg_inc_${_id} "")
    if(_h MATCHES "(^|/)detail/xtensor[^/]*$")
        list(APPEND _tg_internal "${_h}")
    endif()
    get_filename_component(_dir "${_h}" DIRECTORY)
    file(STRINGS "${_tg_src}/${_h}" _lines REGEX "^[ \t]*#[ \t]*include")
    foreach(_line IN LISTS _lines)
        if(_line MATCHES "^[ \t]*#[ \t]*include[ \t]*<(xtensor|xtensor-blas)/")
            list(APPEND _tg_internal "${_h}")
        elseif(_line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"")
            cmake_path(APPEND _dir "${CMAKE_MATCH_1}" OUTPUT_VARIABLE _p)
            cmake_path(NORMAL_PATH _p)
            if(EXISTS "${_tg_src}/${_p}")
                list(APPEND _tg_inc_${_id} "${_p}")
            endif()
        endif()
    endforeach()
endforeach()

# Internal is transitive: a header that includes an internal header is internal.
set(_tg_changed TRUE)
while(_tg_changed)
    set(_tg_changed FALSE)
    foreach(_h IN LISTS _tg_scanned)
        if(_h IN_LIST _tg_internal)
            continue()
        endif()
        string(MAKE_C_IDENTIFIER "${_h}" _id)
        foreach(_dep IN LISTS _tg_inc_${_id})
            if(_dep IN_LIST _tg_internal)
                list(APPEND _tg_internal "${_h}")
                set(_tg_changed TRUE)
                break()
            endif()
        endforeach()
    endforeach()
endwhile()
list(REMOVE_DUPLICATES _tg_internal)

set(_tg_public ${_tg_headers})
if(_tg_internal)
    list(REMOVE_ITEM _tg_public ${_tg_internal})
endif()

# Everything the umbrella header reaches must be installable, or the installed tree is broken.
if(EXISTS "${_tg_src}/${_tg_umbrella}")
    set(_tg_reach ${_tg_umbrella})
    set(_tg_queue ${_tg_umbrella})
    while(_tg_queue)
        list(POP_FRONT _tg_queue _h)
        string(MAKE_C_IDENTIFIER "${_h}" _id)
        foreach(_dep IN LISTS _tg_inc_${_id})
            if(NOT _dep IN_LIST _tg_reach)
                list(APPEND _tg_reach "${_dep}")
                list(APPEND _tg_queue "${_dep}")
            endif()
        endforeach()
    endwhile()
    list(REMOVE_ITEM _tg_reach ${_tg_umbrella})
    foreach(_h IN LISTS _tg_reach)
        if(_h IN_LIST _tg_internal)
            message(WARNING "tensorgrad install: ${_tg_umbrella} reaches ${_h}, which includes xtensor "
                            "(directly or through another header). User code must not parse xtensor, and "
                            "the installed tree leaves such headers out: move that include into a .cpp.")
        elseif(NOT _h IN_LIST _tg_public)
            message(WARNING "tensorgrad install: ${_tg_umbrella} reaches ${_h}, which is outside "
                            "${_tg_header_dirs} and would be missing from the installed tree.")
        endif()
    endforeach()
    install(FILES "${_tg_src}/${_tg_umbrella}" DESTINATION include/tensorgrad)
else()
    message(WARNING "tensorgrad install: ${_tg_src}/${_tg_umbrella} does not exist (yet); "
                    "re-run cmake once it does, or the install lacks <tensorgrad/tensorgrad.hpp>.")
endif()

foreach(_h IN LISTS _tg_public)
    get_filename_component(_dir "${_h}" DIRECTORY)
    install(FILES "${_tg_src}/${_h}" DESTINATION "include/tensorgrad/${_dir}")
endforeach()
list(LENGTH _tg_public _n_public)
list(LENGTH _tg_internal _n_internal)
list(JOIN _tg_internal ", " _tg_internal_str)
message(STATUS "tensorgrad install: ${_n_public} public headers; ${_n_internal} internal, not installed "
               "(they include xtensor): ${_tg_internal_str}")

# ---------------------------------------------------------------------------------------------
# 2. The link interface of the exported (static) library
# ---------------------------------------------------------------------------------------------
# Imported targets we know how to re-create in a consumer: target regex -> find_dependency(args).
set(_tg_known_targets "^TBB::" "^Threads::Threads$" "^ZLIB::ZLIB$" "^BLAS::BLAS$" "^LAPACK::LAPACK$"
                      "^OpenMP::" "^xtensor$" "^xsimd$" "^xtl$")
set(_tg_known_packages "TBB" "Threads" "ZLIB" "BLAS" "LAPACK" "OpenMP" "xtensor" "xsimd" "xtl")

set_property(GLOBAL PROPERTY _TG_INSTALL_LINK "")      # items for $<INSTALL_INTERFACE:$<LINK_ONLY:..>>
set_property(GLOBAL PROPERTY _TG_INSTALL_PACKAGES "")  # find_dependency(<pkg>) in the config
set_property(GLOBAL PROPERTY _TG_INSTALL_FILES "")     # name|path of plain library files

function(_tg_known_package item out)
    set(_i 0)
    foreach(_re IN LISTS _tg_known_targets)
        if(item MATCHES "${_re}")
            list(GET _tg_known_packages ${_i} _pkg)
            set(${out} "${_pkg}" PARENT_SCOPE)
            return()
        endif()
        math(EXPR _i "${_i} + 1")
    endforeach()
    set(${out} "" PARENT_SCOPE)
endfunction()

# Collects what linking `item` means for a consumer of the installed library.
function(_tg_collect_link item)
    if(item STREQUAL "" OR item MATCHES "^\\$<")
        if(NOT item STREQUAL "")
            message(WARNING "tensorgrad install: cannot export the link item '${item}' of tensorgrad; "
                            "an installed consumer may miss it.")
        endif()
        return()
    endif()
    if(TARGET "${item}")
        get_target_property(_aliased "${item}" ALIASED_TARGET)
        if(_aliased)
            set(item "${_aliased}")
        endif()
        get_target_property(_imported "${item}" IMPORTED)
        get_target_property(_type "${item}" TYPE)
        _tg_known_package("${item}" _pkg)
        if(_imported AND _pkg AND NOT _type STREQUAL "INTERFACE_LIBRARY")
            set_property(GLOBAL APPEND PROPERTY _TG_INSTALL_PACKAGES "${_pkg}")
            set_property(GLOBAL APPEND PROPERTY _TG_INSTALL_LINK "${item}")
        elseif(_imported AND _pkg AND _pkg MATCHES "^(Threads|BLAS|LAPACK|OpenMP)$")
            # INTERFACE imported targets that carry link flags or libraries.
            set_property(GLOBAL APPEND PROPERTY _TG_INSTALL_PACKAGES "${_pkg}")
            set_property(GLOBAL APPEND PROPERTY _TG_INSTALL_LINK "${item}")
        elseif(_type STREQUAL "INTERFACE_LIBRARY")
            # Our own INTERFACE targets (tg_deps_private) and header-only packages: what they link.
            get_target_property(_libs "${item}" INTERFACE_LINK_LIBRARIES)
            if(_libs)
                foreach(_l IN LISTS _libs)
                    if(_l MATCHES "^\\$<LINK_ONLY:(.+)>$")
                        set(_l "${CMAKE_MATCH_1}")
                    endif()
                    _tg_collect_link("${_l}")
                endforeach()
            endif()
        elseif(_imported)
            get_target_property(_loc "${item}" IMPORTED_LOCATION)
            if(NOT _loc)
                get_target_property(_loc "${item}" IMPORTED_LOCATION_RELEASE)
            endif()
            if(_loc)
                _tg_collect_link("${_loc}")
            else()
                message(WARNING "tensorgrad install: don't know how to export the imported target ${item}.")
            endif()
        else()
            message(WARNING "tensorgrad install: tensorgrad links the project target ${item}, "
                            "which is not installed; an installed consumer will miss it.")
        endif()
    elseif(IS_ABSOLUTE "${item}")
        get_filename_component(_name "${item}" NAME)
        if(_name MATCHES "^lib([^.]+)\\.(so|a)(\\..*)?$")
            set(_lib "${CMAKE_MATCH_1}")
            get_filename_component(_dir "${item}" DIRECTORY)
            string(MAKE_C_IDENTIFIER "${_lib}" _libid)
            set_property(GLOBAL APPEND PROPERTY _TG_INSTALL_FILES "${_libid}|${_lib}|${_dir}")
            set_property(GLOBAL APPEND PROPERTY _TG_INSTALL_LINK "tensorgrad::dep_${_libid}")
        else()
            message(WARNING "tensorgrad install: cannot export the library file ${item}.")
        endif()
    else()
        # -lfoo, -pthread, or a plain library name: relocatable as it is.
        set_property(GLOBAL APPEND PROPERTY _TG_INSTALL_LINK "${item}")
    endif()
endfunction()

get_target_property(_tg_iface tensorgrad INTERFACE_LINK_LIBRARIES)
if(NOT _tg_iface)
    set(_tg_iface "")
endif()
set(_tg_new_iface "")
foreach(_item IN LISTS _tg_iface)
    if(_item MATCHES "^\\$<LINK_ONLY:(.+)>$")
        # A private dependency of the static library: keep it for the build tree, re-create its
        # link items for the installed tree.
        list(APPEND _tg_new_iface "$<BUILD_INTERFACE:${_item}>")
        _tg_collect_link("${CMAKE_MATCH_1}")
    else()
        list(APPEND _tg_new_iface "${_item}")
        if(TARGET "${_item}")
            get_target_property(_imported "${_item}" IMPORTED)
            _tg_known_package("${_item}" _pkg)
            if(_imported AND _pkg)
                set_property(GLOBAL APPEND PROPERTY _TG_INSTALL_PACKAGES "${_pkg}")
            elseif(_imported)
                message(WARNING "tensorgrad install: tensorgrad publicly links ${_item}; add its "
                                "package to _tg_known_targets in ${CMAKE_CURRENT_LIST_FILE}.")
            endif()
        endif()
    endif()
endforeach()
get_property(_tg_install_link GLOBAL PROPERTY _TG_INSTALL_LINK)
get_property(_tg_install_packages GLOBAL PROPERTY _TG_INSTALL_PACKAGES)
get_property(_tg_install_files GLOBAL PROPERTY _TG_INSTALL_FILES)
list(REMOVE_DUPLICATES _tg_install_link)
list(REMOVE_DUPLICATES _tg_install_packages)
list(REMOVE_DUPLICATES _tg_install_files)
foreach(_l IN LISTS _tg_install_link)
    list(APPEND _tg_new_iface "$<INSTALL_INTERFACE:$<LINK_ONLY:${_l}>>")
endforeach()
set_property(TARGET tensorgrad PROPERTY INTERFACE_LINK_LIBRARIES "${_tg_new_iface}")

# The arch flags must reach consumers (same xsimd batch width and alignment on both sides).
get_target_property(_tg_copts tensorgrad INTERFACE_COMPILE_OPTIONS)
foreach(_f IN LISTS TG_ARCH_FLAGS)
    if(NOT _tg_copts OR NOT _f IN_LIST _tg_copts)
        target_compile_options(tensorgrad INTERFACE "${_f}")
    endif()
endforeach()

# ---------------------------------------------------------------------------------------------
# 3. Library, export set, package files
# ---------------------------------------------------------------------------------------------
install(TARGETS tensorgrad EXPORT tensorgradTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(EXPORT tensorgradTargets NAMESPACE tensorgrad:: FILE tensorgradTargets.cmake
        DESTINATION "${TG_INSTALL_CMAKEDIR}")

set(_tg_deps_code "")
foreach(_pkg IN LISTS _tg_install_packages)
    string(APPEND _tg_deps_code "find_dependency(${_pkg})\n")
endforeach()
foreach(_f IN LISTS _tg_install_files)
    string(REPLACE "|" ";" _f "${_f}")
    list(GET _f 0 _libid)
    list(GET _f 1 _lib)
    list(GET _f 2 _dir)
    string(TOUPPER "${_libid}" _LIBID)
    string(APPEND _tg_deps_code "\
if(NOT TARGET tensorgrad::dep_${_libid})
    find_library(TENSORGRAD_${_LIBID}_LIBRARY NAMES ${_lib} HINTS \"${_dir}\")
    if(NOT TENSORGRAD_${_LIBID}_LIBRARY)
        set(tensorgrad_FOUND FALSE)
        set(tensorgrad_NOT_FOUND_MESSAGE \"tensorgrad needs lib${_lib} (built against ${_dir}/lib${_lib})\")
        return()
    endif()
    add_library(tensorgrad::dep_${_libid} UNKNOWN IMPORTED)
    set_target_properties(tensorgrad::dep_${_libid} PROPERTIES
        IMPORTED_LOCATION \"\${TENSORGRAD_${_LIBID}_LIBRARY}\")
endif()
")
endforeach()

set(_tg_config_in "${CMAKE_CURRENT_BINARY_DIR}/tensorgradConfig.cmake.in")
file(WRITE "${_tg_config_in}" "\
# tensorgrad CMake package (generated by cmake/TensorgradInstall.cmake).
#   find_package(tensorgrad REQUIRED)
#   target_link_libraries(app PRIVATE tensorgrad::tensorgrad)
@PACKAGE_INIT@

# Flags the library was built with; tensorgrad::tensorgrad carries them to its consumers.
set(tensorgrad_ARCH_FLAGS \"@TG_ARCH_FLAGS@\")
set(tensorgrad_SANITIZE @TG_SANITIZE_VALUE@)

# Link dependencies of the static library.
include(CMakeFindDependencyMacro)
@TG_DEPS_CODE@
include(\"\${CMAKE_CURRENT_LIST_DIR}/tensorgradTargets.cmake\")
check_required_components(tensorgrad)
")
if(TG_SANITIZE)
    set(TG_SANITIZE_VALUE ON)
else()
    set(TG_SANITIZE_VALUE OFF)
endif()
set(TG_DEPS_CODE "${_tg_deps_code}")
configure_package_config_file("${_tg_config_in}" "${CMAKE_CURRENT_BINARY_DIR}/tensorgradConfig.cmake"
                              INSTALL_DESTINATION "${TG_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/tensorgradConfigVersion.cmake"
                                 VERSION "${tensorgrad_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/tensorgradConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/tensorgradConfigVersion.cmake"
        DESTINATION "${TG_INSTALL_CMAKEDIR}")
