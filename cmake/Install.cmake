# `cmake --install <build> --prefix P` and CPack's .deb (docs/install.md):
#   P/bin/attrition
#   P/share/attrition/model/   the committed model repository (one folder per version)
#   P/share/attrition/web/     the pages, web/static/ and the vendored files the server serves
#   P/share/doc/attrition/     LICENSE, and the licenses of the vendored Swagger UI and ReDoc
#   P/lib/systemd/system/attrition.service, P/lib/sysusers.d/attrition.conf
# The binary finds share/attrition/ as ../share/attrition from its own folder
# (src/app/install_paths.hpp): the destinations are therefore fixed, not GNUInstallDirs'.
set(ATTRITION_DATA_DESTINATION share/attrition)

install(TARGETS attrition RUNTIME DESTINATION bin)
# The model repository: every committed version (model/<version>/booster.json, metadata.json).
install(DIRECTORY model/ DESTINATION ${ATTRITION_DATA_DESTINATION}/model
        FILES_MATCHING PATTERN "*.json")

file(GLOB ATTRITION_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/web/*.html)
install(FILES ${ATTRITION_PAGES} DESTINATION ${ATTRITION_DATA_DESTINATION}/web)
install(DIRECTORY web/static/ DESTINATION ${ATTRITION_DATA_DESTINATION}/web/static)
# Only the node_modules files the server serves: kVendorFiles in src/http/static_assets.cpp
# (the server refuses to start without one of them, so scripts/install-test.sh catches a drift).
# They come from `npm ci` in web/ (scripts/install-deps.sh).
set(ATTRITION_VENDOR_FILES
    swagger-ui-dist/swagger-ui.css
    swagger-ui-dist/swagger-ui-bundle.js
    swagger-ui-dist/swagger-ui-standalone-preset.js
    swagger-ui-dist/favicon-32x32.png
    redoc/bundles/redoc.standalone.js)
foreach(file IN LISTS ATTRITION_VENDOR_FILES)
  get_filename_component(folder ${file} DIRECTORY)
  install(FILES web/node_modules/${file}
          DESTINATION ${ATTRITION_DATA_DESTINATION}/web/node_modules/${folder})
endforeach()
install(FILES LICENSE DESTINATION share/doc/attrition)
install(FILES web/node_modules/swagger-ui-dist/LICENSE web/node_modules/swagger-ui-dist/NOTICE
              web/node_modules/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt
              web/node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js.LICENSE.txt
        DESTINATION share/doc/attrition/swagger-ui-dist)
install(FILES web/node_modules/redoc/LICENSE
              web/node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt
        DESTINATION share/doc/attrition/redoc)

# The service unit runs /usr/bin/attrition (the .deb's layout) as the system user `attrition`,
# which the sysusers.d file declares (the .deb's postinst creates it).
install(FILES deploy/systemd/attrition.service DESTINATION lib/systemd/system)
install(FILES deploy/systemd/attrition.sysusers DESTINATION lib/sysusers.d
        RENAME attrition.conf)

# CPack: `cpack -G DEB` in the build folder, or `cmake --build --preset ci-release --target
# package`. Everything above, under /usr.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME attrition)
set(CPACK_PACKAGE_VENDOR "Attrition API")
set(ATTRITION_PACKAGE_CONTACT "Attrition API maintainers <attrition@localhost>"
    CACHE STRING "Maintainer field of the .deb")
set(CPACK_PACKAGE_CONTACT ${ATTRITION_PACKAGE_CONTACT})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "HTTP service that predicts employee attrition, explains it and logs every prediction")
set(CPACK_PACKAGE_DESCRIPTION
    "Serves an XGBoost model with exact TreeSHAP explanations, validates every input against the \
model's vocabulary, keeps an auditable prediction log (SQLite or PostgreSQL) and serves its \
own Swagger UI, ReDoc and playground pages. Includes a systemd unit (attrition.service).")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: the packages that own the shared libraries the binary links, found by
# dpkg-shlibdeps (dpkg-dev, part of build-essential); without it, the Debian 12 names.
find_program(ATTRITION_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(ATTRITION_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6, libgcc-s1, libstdc++6, libxgboost0, libpq5, libsqlite3-0, libssl3, libsimdjson14, \
libfmt9, libspdlog1.10-fmt9")
endif()
# Maintainer scripts (deploy/debian/): postinst creates the `attrition` user and reloads
# systemd (it neither enables nor starts the service); prerm stops it on removal.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
                                      ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
                                      ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_SOURCE_IGNORE_FILES /\\.git/ /build/ /var/ /web/node_modules/)
include(CPack)
