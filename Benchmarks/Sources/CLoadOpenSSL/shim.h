// The system OpenSSL 3 for wssload (libssl-dev on Debian/Ubuntu); a system library, not a package.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
