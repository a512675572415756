# guests.cmake: builds the compatibility and SDK guests with build.sh (one list of compiler flags
# for CMake and for hand builds) into ${PLUGIN_COMPAT_DIR}: raw_abi.wasm, raw_abi_wasi.wasm,
# sdk_guest.wasm, sdk_guest_wasi.wasm, rust_plugin.wasm. include() it from
# tests/plugin/CMakeLists.txt and make the tests that run them depend on plugin_compat_guests.
# Uses the compilers tests/wasi/CMakeLists.txt probed (configuring there fails, naming the Debian
# packages, when they are missing).

set(PLUGIN_COMPAT_DIR ${CMAKE_CURRENT_BINARY_DIR}/compat)
set(plugin_compat_src ${CMAKE_CURRENT_LIST_DIR})
set(PLUGIN_COMPAT_GUESTS)
foreach(name IN ITEMS raw_abi raw_abi_wasi sdk_guest sdk_guest_wasi rust_plugin)
  list(APPEND PLUGIN_COMPAT_GUESTS ${PLUGIN_COMPAT_DIR}/${name}.wasm)
endforeach()

find_program(WEFT_WASI_CLANG NAMES clang clang-14 DOC "clang that targets wasm32-wasi")
find_program(WEFT_WASI_RUSTC NAMES rustc PATHS /usr/bin NO_DEFAULT_PATH DOC "Debian's rustc")
find_program(WEFT_BASH NAMES bash REQUIRED)

add_custom_command(
  OUTPUT ${PLUGIN_COMPAT_GUESTS}
  COMMAND ${CMAKE_COMMAND} -E env CLANG=${WEFT_WASI_CLANG} RUSTC=${WEFT_WASI_RUSTC}
          ${WEFT_BASH} ${plugin_compat_src}/build.sh ${PLUGIN_COMPAT_DIR}
  DEPENDS ${plugin_compat_src}/build.sh ${plugin_compat_src}/raw_abi.c
          ${plugin_compat_src}/sdk_guest.c ${plugin_compat_src}/rust_plugin.rs
          ${plugin_compat_src}/../../../sdk/c/weft-pdk.h
  COMMENT "plugin test guests (C raw ABI, C SDK, Rust)"
  VERBATIM)
add_custom_target(plugin_compat_guests ALL DEPENDS ${PLUGIN_COMPAT_GUESTS})
