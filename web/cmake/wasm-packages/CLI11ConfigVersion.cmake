# The host's Debian package, whose version the native build checks; any requested version is accepted.
set(PACKAGE_VERSION "${PACKAGE_FIND_VERSION}")
set(PACKAGE_VERSION_COMPATIBLE TRUE)
