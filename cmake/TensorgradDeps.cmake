# Dependencies: all from Debian packages (scripts/setup.sh installs them).
find_package(xtensor REQUIRED)
find_package(xsimd REQUIRED)
find_package(TBB REQUIRED)
find_package(Threads REQUIRED)
find_library(TG_OPENBLAS openblas REQUIRED)
# solvers: sparse and Krylov. SuiteSparse's UMFPACK (sparse LU) for the sparse direct solve; its
# headers are included as <suitesparse/umfpack.h>, so no include directory is added.
find_library(TG_UMFPACK umfpack REQUIRED)

# SIMD width is a build-time choice that consumers must share: these flags are PUBLIC on the
# library and exported with it (a different -march changes xsimd's batch width and alignment).
if(TG_NATIVE)
  set(TG_ARCH_FLAGS -march=native)
else()
  set(TG_ARCH_FLAGS -march=x86-64-v3)
endif()

add_library(tg_deps_private INTERFACE)
target_link_libraries(tg_deps_private INTERFACE xtensor xsimd TBB::tbb ${TG_OPENBLAS} ${TG_UMFPACK} Threads::Threads)
# xtensor 0.24.3 misbehaves under C++20 unless our fix comes first (NOTES-deps section 0);
# force-including it makes the order impossible to get wrong in any of our TUs.
target_compile_options(tg_deps_private INTERFACE
  "SHELL:-include ${CMAKE_CURRENT_LIST_DIR}/../tensor/detail/xtensor_cxx20_fix.hpp")

function(tg_apply_sanitizers target)
  if(TG_SANITIZE)
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer
                                            -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()

# nn: IDX readers (Fashion-MNIST's .gz files) through zlib.
find_package(ZLIB REQUIRED)
target_link_libraries(tg_deps_private INTERFACE ZLIB::ZLIB)
