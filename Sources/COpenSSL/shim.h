// The system OpenSSL 3 (libssl-dev on Debian/Ubuntu, openssl@3 from Homebrew), plus inline
// functions for OpenSSL's macros, which Swift cannot import, and a socket BIO that never raises
// SIGPIPE (OpenSSL's own socket BIO writes with write(2)).
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

static inline long cossl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/// No renegotiation (TLS 1.2), server cipher preference (but ChaCha20 for a client that puts it
/// first, which usually means it lacks AES instructions), and an EOF without close_notify read
/// as EOF: WebSocket's own closing handshake detects truncation.
static inline void cossl_ctx_set_default_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA
                        | SSL_OP_IGNORE_UNEXPECTED_EOF);
}

static inline long cossl_ctx_set_modes(SSL_CTX *ctx) {
    return SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

static inline long cossl_ctx_add_chain_cert(SSL_CTX *ctx, X509 *cert) {
    return SSL_CTX_add1_chain_cert(ctx, cert);
}

static inline long cossl_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

/// Server ALPN: choose "http/1.1" when the client offers it; otherwise no ALPN in the answer.
static inline int cossl_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                    const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    static const unsigned char http11[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, outlen, http11, sizeof(http11), in, inlen) == OPENSSL_NPN_NEGOTIATED) {
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static inline void cossl_ctx_select_http11(SSL_CTX *ctx) {
    SSL_CTX_set_alpn_select_cb(ctx, cossl_alpn_select, NULL);
}

/// The client's ALPN offer: "http/1.1". Returns 0 on success (as SSL_CTX_set_alpn_protos).
static inline int cossl_ctx_offer_http11(SSL_CTX *ctx) {
    static const unsigned char http11[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    return SSL_CTX_set_alpn_protos(ctx, http11, sizeof(http11));
}

// A BIO on a non-blocking socket: send with MSG_NOSIGNAL (Linux; Darwin sockets have
// SO_NOSIGPIPE set), recv, EINTR retried, EAGAIN reported as "retry".
#ifdef MSG_NOSIGNAL
#define COSSL_SEND_FLAGS MSG_NOSIGNAL
#else
#define COSSL_SEND_FLAGS 0
#endif

static inline int cossl_bio_write(BIO *bio, const char *buffer, int length) {
    int fd = (int)(intptr_t)BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    ssize_t n;
    do { n = send(fd, buffer, (size_t)length, COSSL_SEND_FLAGS); } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(bio);
    return (int)n;
}

static inline int cossl_bio_read(BIO *bio, char *buffer, int length) {
    int fd = (int)(intptr_t)BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    ssize_t n;
    do { n = recv(fd, buffer, (size_t)length, 0); } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(bio);
    return (int)n;
}

static inline long cossl_bio_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)bio; (void)number; (void)pointer;
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

static inline int cossl_bio_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

/// The method, created once per process (a lost race frees its own copy).
static inline BIO_METHOD *cossl_socket_bio_method(void) {
    static BIO_METHOD *shared = NULL;
    BIO_METHOD *method = __atomic_load_n(&shared, __ATOMIC_ACQUIRE);
    if (method) return method;
    method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "asyncwebsocket socket");
    BIO_meth_set_write(method, cossl_bio_write);
    BIO_meth_set_read(method, cossl_bio_read);
    BIO_meth_set_ctrl(method, cossl_bio_ctrl);
    BIO_meth_set_create(method, cossl_bio_create);
    BIO_METHOD *expected = NULL;
    if (!__atomic_compare_exchange_n(&shared, &expected, method, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        BIO_meth_free(method);
        return expected;
    }
    return method;
}

/// Attaches a socket BIO for `fd` to `ssl` for both directions. Returns 1 on success.
static inline int cossl_set_socket(SSL *ssl, int fd) {
    BIO *bio = BIO_new(cossl_socket_bio_method());
    if (!bio) return 0;
    BIO_set_data(bio, (void *)(intptr_t)fd);
    SSL_set_bio(ssl, bio, bio);
    return 1;
}

/// The first error in OpenSSL's thread-local queue as text (and clears the queue); empty if none.
/// Whether the first queued error is OpenSSL noticing a plain HTTP request (or proxy CONNECT)
/// where a TLS ClientHello should be: a client speaking http:// or ws:// to a TLS port.
static inline int cossl_error_is_plain_http(void) {
    unsigned long code = ERR_peek_error();
    if (ERR_GET_LIB(code) != ERR_LIB_SSL) return 0;
    int reason = ERR_GET_REASON(code);
    return reason == SSL_R_HTTP_REQUEST || reason == SSL_R_HTTPS_PROXY_REQUEST;
}

static inline void cossl_take_error(char *buffer, size_t length) {
    unsigned long code = ERR_get_error();
    buffer[0] = 0;
    if (code) ERR_error_string_n(code, buffer, length);
    ERR_clear_error();
}

#endif
