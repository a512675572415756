# guests.cmake: builds the HTTP test handlers with build.sh (one list of compiler flags for CMake
# and for hand builds) into ${HTTP_GUEST_DIR}: one NAME.wasm per source named in HTTP_GUEST_NAMES.
# include() it from tests/http/CMakeLists.txt and make the tests that serve them depend on
# http_guests. Uses the clang tests/wasi/CMakeLists.txt probed (configuring there fails, naming
# the Debian packages, when it is missing).

set(HTTP_GUEST_DIR ${CMAKE_CURRENT_BINARY_DIR}/guests)
set(http_guest_src ${CMAKE_CURRENT_LIST_DIR})
set(HTTP_GUEST_NAMES
    echo_plugin counter_plugin trap spin big bad_response outbound plain_plugin_hello preinit slow
    echo_wagi counter_wagi alloc_bomb plain_wagi_hello outbound_wagi)
set(HTTP_GUESTS)
set(http_guest_sources)
foreach(name IN LISTS HTTP_GUEST_NAMES)
  list(APPEND HTTP_GUESTS ${HTTP_GUEST_DIR}/${name}.wasm)
  list(APPEND http_guest_sources ${http_guest_src}/${name}.c)
endforeach()

find_program(WEFT_WASI_CLANG NAMES clang clang-14 DOC "clang that targets wasm32-wasi")
find_program(WEFT_BASH NAMES bash REQUIRED)

add_custom_command(
  OUTPUT ${HTTP_GUESTS}
  COMMAND ${CMAKE_COMMAND} -E env CLANG=${WEFT_WASI_CLANG}
          ${WEFT_BASH} ${http_guest_src}/build.sh ${HTTP_GUEST_DIR}
  DEPENDS ${http_guest_src}/build.sh ${http_guest_sources}
          ${http_guest_src}/../../../sdk/c/weft-pdk.h ${http_guest_src}/../../../sdk/c/weft-http.h
  COMMENT "HTTP test handlers (plugin and wagi kinds)"
  VERBATIM)
add_custom_target(http_guests ALL DEPENDS ${HTTP_GUESTS})
