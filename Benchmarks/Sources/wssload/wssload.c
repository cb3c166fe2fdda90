/*
 * wssload: a WebSocket echo load client for ws:// and wss:// (OpenSSL), so that the cost of TLS
 * is measured by one client against one server.
 *
 * The workload is the one `shared/tools/wsload` defines: C connections, each keeping P messages
 * of S bytes in flight (closed loop: each echo sends the next), a warm-up, then a measured
 * period; every echo is checked (opcode, length, bytes); round-trip latency goes into a
 * log-linear histogram. At the end no new messages are sent, in-flight echoes are awaited, and
 * each connection closes with 1000 and waits for the server's close reply.
 *
 * Design: one thread, one level-triggered epoll set, non-blocking sockets. A connection's I/O
 * goes through conn_recv/conn_send, which are recv/send for ws:// and SSL_read/SSL_write for
 * wss://; "would block" carries the readiness to wait for (SSL_ERROR_WANT_READ/WANT_WRITE can
 * each come from either call), and the epoll interest is the union of what the reader and the
 * writer wait for. Reads loop until "would block", so no decrypted or raw bytes are left inside
 * OpenSSL that epoll would not announce. The TCP connect, TLS handshake and HTTP upgrade are done
 * blocking, one connection after another, before the load starts.
 *
 * SHA-1 and base64 for Sec-WebSocket-Accept come from libcrypto.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_SPAN (1u << 20)      /* message n starts at pattern + (n * 4099) % PATTERN_SPAN */
#define MAX_SIZE (64u << 20)
#define READ_CHUNK (64u * 1024)
#define DRAIN_NS (10ull * 1000000000)
#define CLOSE_NS (2ull * 1000000000)
#define HISTOGRAM_SUB 128            /* sub-buckets per power of two: values within 0.8% */
#define HISTOGRAM_BUCKETS (HISTOGRAM_SUB * 48)

/* ---------------------------------------------------------------- options */

static struct {
    const char *url;
    int secure;                      /* wss:// */
    char host[256], path[1024], port[8];
    int connections, size, depth, binary, json;
    double duration, warmup;
    const char *ca;                  /* verify against this CA (PEM); NULL with --insecure */
    const char *ciphersuites;        /* TLS 1.3 suites to offer; NULL: OpenSSL's default order */
    int insecure;
} options = {.connections = 1, .size = 16, .depth = 1, .duration = 5, .warmup = 1};

static void usage(void) {
    fprintf(stderr,
            "usage: wssload [options] ws://HOST:PORT/PATH | wss://HOST:PORT/PATH\n"
            "  -c N       connections (default 1)\n"
            "  -s N       message size in bytes (default 16, at most 64 MiB)\n"
            "  -p N       messages in flight per connection (default 1)\n"
            "  -d SEC     measured duration (default 5)    -w SEC  warm-up (default 1)\n"
            "  -b         binary messages (default: printable-ASCII text)\n"
            "  -j         print one JSON object\n"
            "  -t N       accepted for wsload's command lines and ignored: wssload runs one thread\n"
            "  --ca FILE  wss://: verify the server's certificate against this CA and the URL's host\n"
            "  --insecure wss://: do not verify the certificate\n"
            "  --ciphersuites LIST  wss://: offer only these TLS 1.3 suites (e.g. TLS_AES_128_GCM_SHA256)\n");
    exit(2);
}

static void fail(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fputs("wssload: error: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (uint64_t)time.tv_sec * 1000000000ull + (uint64_t)time.tv_nsec;
}

static void parse_url(const char *url) {
    const char *rest;
    if (strncmp(url, "ws://", 5) == 0) {
        rest = url + 5;
    } else if (strncmp(url, "wss://", 6) == 0) {
        rest = url + 6;
        options.secure = 1;
    } else {
        fail("the URL must start with ws:// or wss://");
    }
    const char *slash = strchr(rest, '/');
    const char *end = slash ? slash : rest + strlen(rest);
    snprintf(options.path, sizeof options.path, "%s", slash ? slash : "/");
    const char *colon = memchr(rest, ':', (size_t)(end - rest));
    const char *host_end = colon ? colon : end;
    if (host_end == rest || (size_t)(host_end - rest) >= sizeof options.host) fail("bad host in %s", url);
    memcpy(options.host, rest, (size_t)(host_end - rest));
    options.host[host_end - rest] = 0;
    if (colon) {
        size_t length = (size_t)(end - colon - 1);
        if (length == 0 || length >= sizeof options.port) fail("bad port in %s", url);
        memcpy(options.port, colon + 1, length);
        options.port[length] = 0;
    } else {
        strcpy(options.port, options.secure ? "443" : "80");
    }
}

/* ---------------------------------------------------------------- buffers */

typedef struct {
    uint8_t *bytes;
    size_t start, count, capacity;   /* the content is bytes[start ..< start + count] */
} buffer_t;

/* Room for `extra` more bytes at the end, moving the content to the front first. */
static uint8_t *buffer_reserve(buffer_t *buffer, size_t extra) {
    if (buffer->start + buffer->count + extra > buffer->capacity) {
        if (buffer->start > 0) {
            memmove(buffer->bytes, buffer->bytes + buffer->start, buffer->count);
            buffer->start = 0;
        }
        if (buffer->count + extra > buffer->capacity) {
            size_t capacity = buffer->capacity ? buffer->capacity : 4096;
            while (capacity < buffer->count + extra) capacity *= 2;
            buffer->bytes = realloc(buffer->bytes, capacity);
            if (!buffer->bytes) fail("out of memory");
            buffer->capacity = capacity;
        }
    }
    return buffer->bytes + buffer->start + buffer->count;
}

static void buffer_consume(buffer_t *buffer, size_t count) {
    buffer->start += count;
    buffer->count -= count;
    if (buffer->count == 0) buffer->start = 0;
}

/* ------------------------------------------------------------ connections */

typedef enum { OPEN, CLOSING, DONE } conn_state;

typedef struct {
    int id, fd;
    SSL *ssl;                        /* NULL for ws:// */
    conn_state state;
    buffer_t input, output, fragments;
    int fragment_opcode;             /* opcode of a fragmented message being received, or 0 */
    uint32_t read_wants, write_wants;/* EPOLLIN/EPOLLOUT each side waits for; write 0: nothing to send */
    uint32_t registered;             /* the epoll interest last set */
    uint64_t sent, received;         /* messages */
    uint64_t *sent_at;               /* ring of `depth` send times, indexed by message number */
} conn_t;

static conn_t *connections;
static uint8_t *pattern;
static uint64_t xorshift_state;
static int epoll_fd;

/* Measurement. */
static uint64_t measure_start, measure_end;
static uint64_t measured_echoes, measured_sent, total_echoes, errors, clean_closes;
static uint64_t histogram[HISTOGRAM_BUCKETS], latency_max, latency_sum;

static uint64_t next_random(void) {
    uint64_t x = xorshift_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return xorshift_state = x;
}

static void record_latency(uint64_t ns) {
    size_t index;
    if (ns < HISTOGRAM_SUB) {
        index = (size_t)ns;
    } else {
        int exponent = 63 - __builtin_clzll(ns);
        int shift = exponent - 7;
        index = (size_t)(shift + 1) * HISTOGRAM_SUB + (size_t)((ns >> shift) - HISTOGRAM_SUB);
        if (index >= HISTOGRAM_BUCKETS) index = HISTOGRAM_BUCKETS - 1;
    }
    histogram[index]++;
    latency_sum += ns;
    if (ns > latency_max) latency_max = ns;
}

/* The bucket midpoint (ns) below which `fraction` of the recorded values lie. */
static double percentile(double fraction) {
    uint64_t total = 0;
    for (size_t i = 0; i < HISTOGRAM_BUCKETS; i++) total += histogram[i];
    if (total == 0) return 0;
    uint64_t rank = (uint64_t)(fraction * (double)total);
    if (rank >= total) rank = total - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += histogram[i];
        if (seen > rank) {
            if (i < HISTOGRAM_SUB) return (double)i;
            size_t shift = i / HISTOGRAM_SUB - 1;
            double low = (double)((uint64_t)(i % HISTOGRAM_SUB + HISTOGRAM_SUB) << shift);
            return low + (double)(1ull << shift) / 2;
        }
    }
    return 0;
}

static void conn_close(conn_t *c) {
    if (c->state == DONE) return;
    c->state = DONE;
    if (c->ssl) {
        SSL_shutdown(c->ssl);        /* close_notify, not waiting for the server's */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    close(c->fd);                    /* also leaves the epoll set */
}

static void conn_fail(conn_t *c, const char *format, ...) {
    if (c->state == DONE) return;
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "wssload: error: connection %d: ", c->id);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    errors++;
    conn_close(c);
}

/* What went wrong in OpenSSL, for an error line. */
static const char *ssl_reason(void) {
    static char text[256];
    unsigned long code = ERR_get_error();
    if (!code) return errno ? strerror(errno) : "unexpected EOF";
    ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return text;
}

/* > 0 bytes read; 0 EOF; -1 would block (*wants = EPOLLIN or EPOLLOUT); -2 failed (reported). */
static ssize_t conn_recv(conn_t *c, void *bytes, size_t count, uint32_t *wants) {
    if (!c->ssl) {
        ssize_t n;
        do n = recv(c->fd, bytes, count, 0); while (n < 0 && errno == EINTR);
        if (n >= 0) return n;
        if (errno == EAGAIN || errno == EWOULDBLOCK) { *wants = EPOLLIN; return -1; }
        conn_fail(c, "recv: %s", strerror(errno));
        return -2;
    }
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(c->ssl, bytes, count > INT32_MAX ? INT32_MAX : (int)count);
    if (n > 0) return n;
    switch (SSL_get_error(c->ssl, n)) {
    case SSL_ERROR_WANT_READ: *wants = EPOLLIN; return -1;
    case SSL_ERROR_WANT_WRITE: *wants = EPOLLOUT; return -1;
    case SSL_ERROR_ZERO_RETURN: return 0;
    default: conn_fail(c, "SSL_read: %s", ssl_reason()); return -2;
    }
}

/* > 0 bytes written; -1 would block (*wants set); -2 failed (reported). */
static ssize_t conn_send(conn_t *c, const void *bytes, size_t count, uint32_t *wants) {
    if (!c->ssl) {
        ssize_t n;
        do n = send(c->fd, bytes, count, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
        if (n >= 0) return n;
        if (errno == EAGAIN || errno == EWOULDBLOCK) { *wants = EPOLLOUT; return -1; }
        conn_fail(c, "send: %s", strerror(errno));
        return -2;
    }
    ERR_clear_error();
    errno = 0;
    int n = SSL_write(c->ssl, bytes, count > INT32_MAX ? INT32_MAX : (int)count);
    if (n > 0) return n;
    switch (SSL_get_error(c->ssl, n)) {
    case SSL_ERROR_WANT_READ: *wants = EPOLLIN; return -1;
    case SSL_ERROR_WANT_WRITE: *wants = EPOLLOUT; return -1;
    default: conn_fail(c, "SSL_write: %s", ssl_reason()); return -2;
    }
}

/* ----------------------------------------------------------------- frames */

/* Appends a masked client frame (FIN set) with a fresh random key. */
static void append_frame(conn_t *c, int opcode, const uint8_t *payload, size_t length) {
    uint8_t *out = buffer_reserve(&c->output, length + 14);
    size_t header = 2;
    out[0] = (uint8_t)(0x80 | opcode);
    if (length < 126) {
        out[1] = (uint8_t)(0x80 | length);
    } else if (length <= 0xffff) {
        out[1] = 0x80 | 126;
        out[2] = (uint8_t)(length >> 8);
        out[3] = (uint8_t)length;
        header = 4;
    } else {
        out[1] = 0x80 | 127;
        for (int i = 0; i < 8; i++) out[2 + i] = (uint8_t)((uint64_t)length >> (56 - 8 * i));
        header = 10;
    }
    uint32_t key = (uint32_t)next_random();
    memcpy(out + header, &key, 4);
    uint8_t *masked = out + header + 4;
    uint64_t key64 = (uint64_t)key | (uint64_t)key << 32;
    size_t i = 0;
    for (; i + 8 <= length; i += 8) {
        uint64_t word;
        memcpy(&word, payload + i, 8);
        word ^= key64;
        memcpy(masked + i, &word, 8);
    }
    const uint8_t *key_bytes = out + header;
    for (; i < length; i++) masked[i] = payload[i] ^ key_bytes[i & 3];
    c->output.count += header + 4 + length;
}

static const uint8_t *message_bytes(uint64_t number) {
    return pattern + (number * 4099) % PATTERN_SPAN;
}

static void send_message(conn_t *c, uint64_t now) {
    c->sent_at[c->sent % (uint64_t)options.depth] = now;
    append_frame(c, options.binary ? 2 : 1, message_bytes(c->sent), (size_t)options.size);
    c->sent++;
    if (now >= measure_start && now < measure_end) measured_sent++;
}

static void start_close(conn_t *c) {
    static const uint8_t normal[2] = {0x03, 0xe8}; /* 1000 */
    append_frame(c, 8, normal, 2);
    c->state = CLOSING;
}

static int sending(uint64_t now) { return now < measure_end; }

/* One complete data message from the server: check it against what was sent. */
static int received_message(conn_t *c, int opcode, const uint8_t *payload, size_t length, uint64_t now) {
    if (c->received >= c->sent) { conn_fail(c, "a message that was never sent"); return -1; }
    if (opcode != (options.binary ? 2 : 1)) { conn_fail(c, "echo has opcode %d", opcode); return -1; }
    if (length != (size_t)options.size) { conn_fail(c, "echo of %zu bytes, sent %d", length, options.size); return -1; }
    if (memcmp(payload, message_bytes(c->received), length) != 0) {
        conn_fail(c, "echo %" PRIu64 " differs from the message sent", c->received);
        return -1;
    }
    uint64_t sent_at = c->sent_at[c->received % (uint64_t)options.depth];
    c->received++;
    total_echoes++;
    if (now >= measure_start && now < measure_end) {
        measured_echoes++;
        record_latency(now - sent_at);
    }
    if (c->state == OPEN) {
        if (sending(now)) send_message(c, now);
        else if (c->received == c->sent) start_close(c);
    }
    return 0;
}

/* Takes every complete frame out of c->input. Returns -1 when the connection failed or ended. */
static int parse_frames(conn_t *c, uint64_t now) {
    buffer_t *in = &c->input;
    while (in->count >= 2) {
        const uint8_t *bytes = in->bytes + in->start;
        int fin = bytes[0] & 0x80, opcode = bytes[0] & 0x0f;
        if (bytes[0] & 0x70) { conn_fail(c, "RSV bits set"); return -1; }
        if (bytes[1] & 0x80) { conn_fail(c, "masked frame from the server"); return -1; }
        uint64_t length = bytes[1] & 0x7f;
        size_t header = 2;
        if (length == 126) {
            if (in->count < 4) return 0;
            length = (uint64_t)bytes[2] << 8 | bytes[3];
            if (length < 126) { conn_fail(c, "non-minimal length"); return -1; }
            header = 4;
        } else if (length == 127) {
            if (in->count < 10) return 0;
            length = 0;
            for (int i = 0; i < 8; i++) length = length << 8 | bytes[2 + i];
            if (length <= 0xffff || length > MAX_SIZE) { conn_fail(c, "bad 64-bit length %" PRIu64, length); return -1; }
            header = 10;
        }
        if (opcode >= 8 && (!fin || length > 125)) { conn_fail(c, "bad control frame"); return -1; }
        if (in->count < header + length) {
            buffer_reserve(in, header + length - in->count); /* the whole frame fits when it arrives */
            return 0;
        }
        const uint8_t *payload = in->bytes + in->start + header;
        switch (opcode) {
        case 0x1:
        case 0x2:
            if (c->fragment_opcode) { conn_fail(c, "data frame inside a fragmented message"); return -1; }
            if (fin) {
                if (received_message(c, opcode, payload, length, now) < 0) return -1;
            } else {
                c->fragment_opcode = opcode;
                memcpy(buffer_reserve(&c->fragments, length), payload, length);
                c->fragments.count += length;
            }
            break;
        case 0x0:
            if (!c->fragment_opcode) { conn_fail(c, "unexpected continuation frame"); return -1; }
            memcpy(buffer_reserve(&c->fragments, length), payload, length);
            c->fragments.count += length;
            if (fin) {
                int message_opcode = c->fragment_opcode;
                size_t total = c->fragments.count;
                c->fragment_opcode = 0;
                c->fragments.count = 0;
                if (received_message(c, message_opcode, c->fragments.bytes, total, now) < 0) return -1;
            }
            break;
        case 0x9:
            append_frame(c, 0xA, payload, length);
            break;
        case 0xA:
            break;
        case 0x8: {
            unsigned code = length >= 2 ? (unsigned)payload[0] << 8 | payload[1] : 1005;
            if (length == 1) { conn_fail(c, "close frame with a 1-byte payload"); return -1; }
            if (c->state != CLOSING) { conn_fail(c, "the server closed early (code %u)", code); return -1; }
            if (code != 1000 && code != 1005) { conn_fail(c, "close reply with code %u", code); return -1; }
            clean_closes++;
            conn_close(c);
            return -1;
        }
        default:
            conn_fail(c, "reserved opcode %d", opcode);
            return -1;
        }
        buffer_consume(in, header + length);
    }
    return 0;
}

/* ------------------------------------------------------------ event loop */

/* Sends what c->output holds until done or the socket would block. -1 when the connection failed. */
static int flush(conn_t *c) {
    while (c->output.count > 0) {
        uint32_t wants = 0;
        ssize_t n = conn_send(c, c->output.bytes + c->output.start, c->output.count, &wants);
        if (n == -2) return -1;
        if (n == -1) {
            c->write_wants = wants;
            return 0;
        }
        buffer_consume(&c->output, (size_t)n);
    }
    c->write_wants = 0;
    return 0;
}

/* Reads (and parses) until the socket would block. -1 when the connection failed or ended. */
static int read_available(conn_t *c) {
    for (;;) {
        uint8_t *space = buffer_reserve(&c->input, READ_CHUNK);
        size_t room = c->input.capacity - c->input.start - c->input.count;
        uint32_t wants = 0;
        ssize_t n = conn_recv(c, space, room, &wants);
        if (n == -2) return -1;
        if (n == -1) {
            c->read_wants = wants;
            return 0;
        }
        if (n == 0) {
            conn_fail(c, c->state == CLOSING ? "EOF without a close reply" : "EOF from the server before the end");
            return -1;
        }
        c->input.count += (size_t)n;
        if (parse_frames(c, now_ns()) < 0) return -1;
    }
}

static void update_interest(conn_t *c) {
    if (c->state == DONE) return;
    uint32_t interest = c->read_wants | c->write_wants;
    if (interest == c->registered) return;
    struct epoll_event event = {.events = interest, .data.ptr = c};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event) < 0) fail("epoll_ctl: %s", strerror(errno));
    c->registered = interest;
}

static void handle_event(conn_t *c, uint32_t events) {
    if (c->state == DONE) return;
    if (events & (c->read_wants | EPOLLERR | EPOLLHUP)) {
        if (read_available(c) < 0) return;
    }
    if (c->output.count > 0 && flush(c) < 0) return;
    update_interest(c);
}

/* -------------------------------------------------------------- handshake */

static SSL_CTX *tls_context;

static void connect_tcp(conn_t *c) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *addresses;
    int status = getaddrinfo(options.host, options.port, &hints, &addresses);
    if (status != 0) fail("%s: %s", options.host, gai_strerror(status));
    c->fd = -1;
    int saved = 0;
    for (struct addrinfo *a = addresses; a && c->fd < 0; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            c->fd = fd;
        } else {
            saved = errno;
            close(fd);
        }
    }
    freeaddrinfo(addresses);
    if (c->fd < 0) fail("connection %d: connect to %s:%s: %s", c->id, options.host, options.port, strerror(saved));
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void connect_tls(conn_t *c) {
    c->ssl = SSL_new(tls_context);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) fail("SSL_new: %s", ssl_reason());
    unsigned char address[16];
    int is_address = inet_pton(AF_INET, options.host, address) == 1 || inet_pton(AF_INET6, options.host, address) == 1;
    if (is_address) {
        if (!options.insecure) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), options.host);
    } else {
        SSL_set_tlsext_host_name(c->ssl, options.host);
        if (!options.insecure) SSL_set1_host(c->ssl, options.host);
    }
    ERR_clear_error();
    if (SSL_connect(c->ssl) != 1) {
        long verify = SSL_get_verify_result(c->ssl);
        if (verify != X509_V_OK) fail("connection %d: certificate: %s", c->id, X509_verify_cert_error_string(verify));
        fail("connection %d: TLS handshake: %s", c->id, ssl_reason());
    }
}

static void base64(const uint8_t *bytes, int count, char *out) {
    EVP_EncodeBlock((unsigned char *)out, bytes, count);
}

/* The value of header `name` in an HTTP head (NUL-terminated), copied to `out`; 0 if absent. */
static int header_value(const char *head, const char *name, char *out, size_t size) {
    size_t length = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
        const char *field = line + 2;
        if (strncasecmp(field, name, length) != 0 || field[length] != ':') continue;
        const char *value = field + length + 1;
        while (*value == ' ' || *value == '\t') value++;
        const char *end = strstr(value, "\r\n");
        size_t count = (size_t)(end - value);
        while (count > 0 && (value[count - 1] == ' ' || value[count - 1] == '\t')) count--;
        if (count >= size) count = size - 1;
        memcpy(out, value, count);
        out[count] = 0;
        return 1;
    }
    return 0;
}

static void upgrade(conn_t *c) {
    uint8_t nonce[16];
    if (getrandom(nonce, sizeof nonce, 0) != sizeof nonce) fail("getrandom: %s", strerror(errno));
    char key[32], request[2048];
    base64(nonce, sizeof nonce, key);
    int length = snprintf(request, sizeof request,
                          "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                          options.path, options.host, options.port, key);
    memcpy(buffer_reserve(&c->output, (size_t)length), request, (size_t)length);
    c->output.count += (size_t)length;
    if (flush(c) < 0 || c->output.count > 0) fail("connection %d: cannot send the upgrade request", c->id);

    const uint8_t *end = NULL;
    while (!end) {
        uint32_t wants;
        uint8_t *space = buffer_reserve(&c->input, 4096);
        ssize_t n = conn_recv(c, space, 4096, &wants);
        if (n <= 0) fail("connection %d: no upgrade response", c->id);
        c->input.count += (size_t)n;
        end = memmem(c->input.bytes, c->input.count, "\r\n\r\n", 4);
        if (!end && c->input.count > 16384) fail("connection %d: response head too long", c->id);
    }
    size_t head_length = (size_t)(end - c->input.bytes) + 4;
    char *head = strndup((const char *)c->input.bytes, head_length);
    if (strncmp(head, "HTTP/1.1 101", 12) != 0) fail("connection %d: not upgraded: %.*s", c->id, (int)strcspn(head, "\r"), head);

    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char concatenated[128], expected[64], value[256];
    snprintf(concatenated, sizeof concatenated, "%s%s", key, guid);
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned digest_length = 0;
    EVP_Digest(concatenated, strlen(concatenated), digest, &digest_length, EVP_sha1(), NULL);
    base64(digest, (int)digest_length, expected);
    if (!header_value(head, "Sec-WebSocket-Accept", value, sizeof value) || strcmp(value, expected) != 0)
        fail("connection %d: wrong Sec-WebSocket-Accept", c->id);
    if (!header_value(head, "Upgrade", value, sizeof value) || strcasecmp(value, "websocket") != 0)
        fail("connection %d: no 'Upgrade: websocket'", c->id);
    if (!header_value(head, "Connection", value, sizeof value) || !strcasestr(value, "upgrade"))
        fail("connection %d: no 'Connection: upgrade'", c->id);
    if (header_value(head, "Sec-WebSocket-Extensions", value, sizeof value)
        || header_value(head, "Sec-WebSocket-Protocol", value, sizeof value))
        fail("connection %d: the server chose an extension or subprotocol that was not offered", c->id);
    free(head);
    buffer_consume(&c->input, head_length); /* any frames that came with the head stay */
}

/* -------------------------------------------------------------------- main */

static void make_tls_context(void) {
    tls_context = SSL_CTX_new(TLS_client_method());
    if (!tls_context) fail("SSL_CTX_new: %s", ssl_reason());
    SSL_CTX_set_min_proto_version(tls_context, TLS1_2_VERSION);
    /* Read whole socket buffers, not one record header then its body: fewer recv calls here. */
    SSL_CTX_set_read_ahead(tls_context, 1);
    SSL_CTX_set_mode(tls_context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(tls_context, http11, sizeof http11);
    if (options.ciphersuites && SSL_CTX_set_ciphersuites(tls_context, options.ciphersuites) != 1)
        fail("--ciphersuites %s: %s", options.ciphersuites, ssl_reason());
    if (options.insecure) {
        SSL_CTX_set_verify(tls_context, SSL_VERIFY_NONE, NULL);
    } else {
        if (SSL_CTX_load_verify_locations(tls_context, options.ca, NULL) != 1)
            fail("cannot load the CA %s: %s", options.ca, ssl_reason());
        SSL_CTX_set_verify(tls_context, SSL_VERIFY_PEER, NULL);
    }
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec
           + (double)usage.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-c") == 0 && next) options.connections = atoi(argv[++i]);
        else if (strcmp(a, "-s") == 0 && next) options.size = atoi(argv[++i]);
        else if (strcmp(a, "-p") == 0 && next) options.depth = atoi(argv[++i]);
        else if (strcmp(a, "-d") == 0 && next) options.duration = atof(argv[++i]);
        else if (strcmp(a, "-w") == 0 && next) options.warmup = atof(argv[++i]);
        else if (strcmp(a, "-t") == 0 && next) i++; /* wsload's threads: wssload always runs one */
        else if (strcmp(a, "-b") == 0) options.binary = 1;
        else if (strcmp(a, "-j") == 0) options.json = 1;
        else if (strcmp(a, "--ca") == 0 && next) options.ca = argv[++i];
        else if (strcmp(a, "--insecure") == 0) options.insecure = 1;
        else if (strcmp(a, "--ciphersuites") == 0 && next) options.ciphersuites = argv[++i];
        else if (a[0] == '-' || options.url) usage();
        else options.url = a;
    }
    if (!options.url || options.connections < 1 || options.size < 0 || (unsigned)options.size > MAX_SIZE
        || options.depth < 1 || options.duration <= 0 || options.warmup < 0)
        usage();
    parse_url(options.url);
    if (options.secure && !options.ca && !options.insecure) fail("wss:// needs --ca FILE or --insecure");
    signal(SIGPIPE, SIG_IGN);

    if (getrandom(&xorshift_state, sizeof xorshift_state, 0) != sizeof xorshift_state) fail("getrandom");
    xorshift_state |= 1;
    pattern = malloc(PATTERN_SPAN + (size_t)options.size);
    if (!pattern) fail("out of memory");
    for (size_t i = 0; i < PATTERN_SPAN + (size_t)options.size; i++)
        pattern[i] = options.binary ? (uint8_t)next_random() : (uint8_t)(' ' + next_random() % 95);

    if (options.secure) make_tls_context();
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    connections = calloc((size_t)options.connections, sizeof *connections);
    for (int i = 0; i < options.connections; i++) {
        conn_t *c = &connections[i];
        c->id = i;
        c->sent_at = calloc((size_t)options.depth, sizeof *c->sent_at);
        connect_tcp(c);
        if (options.secure) connect_tls(c);
        upgrade(c);
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        c->read_wants = EPOLLIN;
        c->registered = EPOLLIN;
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event) < 0) fail("epoll_ctl: %s", strerror(errno));
    }
    const char *tls_version = options.secure ? SSL_get_version(connections[0].ssl) : "";
    const char *cipher = options.secure ? SSL_get_cipher_name(connections[0].ssl) : "";

    uint64_t start = now_ns();
    measure_start = start + (uint64_t)(options.warmup * 1e9);
    measure_end = measure_start + (uint64_t)(options.duration * 1e9);
    for (int i = 0; i < options.connections; i++) {
        conn_t *c = &connections[i];
        for (int k = 0; k < options.depth; k++) send_message(c, start);
        if (parse_frames(c, start) == 0 && flush(c) == 0) update_interest(c);
    }

    double cpu_start = -1, cpu_end = -1;
    struct epoll_event events[256];
    for (;;) {
        int count = epoll_wait(epoll_fd, events, 256, 2);
        if (count < 0 && errno != EINTR) fail("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < count; i++) handle_event(events[i].data.ptr, events[i].events);
        uint64_t now = now_ns();
        if (cpu_start < 0 && now >= measure_start) cpu_start = cpu_seconds();
        if (now < measure_end) continue;
        if (cpu_end < 0) cpu_end = cpu_seconds();
        int open = 0;
        for (int i = 0; i < options.connections; i++) {
            conn_t *c = &connections[i];
            if (c->state == DONE) continue;
            open++;
            if (c->state == OPEN && c->received == c->sent) {
                start_close(c);
                if (flush(c) == 0) update_interest(c);
            } else if (now > measure_end + DRAIN_NS + CLOSE_NS) {
                conn_fail(c, c->state == OPEN ? "echoes missing after the run" : "no close reply from the server");
            }
        }
        if (open == 0) break;
    }

    double duration = options.duration;
    double p50 = percentile(0.50) / 1e3, p99 = percentile(0.99) / 1e3, p999 = percentile(0.999) / 1e3;
    double maximum = (double)latency_max / 1e3;
    double mean = measured_echoes ? (double)latency_sum / (double)measured_echoes / 1e3 : 0;
    double rate = (double)measured_echoes / duration;
    double sent_mb = (double)measured_sent * options.size / duration / 1e6;
    double received_mb = (double)measured_echoes * options.size / duration / 1e6;
    double cpu_percent = cpu_start >= 0 && cpu_end >= 0 ? 100 * (cpu_end - cpu_start) / duration : 0;
    if (options.json) {
        printf("{\"url\":\"%s\",\"tls\":%s,\"tls_version\":\"%s\",\"cipher\":\"%s\",\"connections\":%d,\"size\":%d,"
               "\"binary\":%s,\"depth\":%d,\"duration_s\":%.2f,\"warmup_s\":%.2f,\"messages\":%" PRIu64 ","
               "\"msgs_per_s\":%.1f,\"mb_per_s_sent\":%.3f,\"mb_per_s_recv\":%.3f,"
               "\"lat_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f},"
               "\"echoes_total\":%" PRIu64 ",\"clean_closes\":%" PRIu64 ",\"errors\":%" PRIu64 ","
               "\"client_cpu_pct\":%.1f}\n",
               options.url, options.secure ? "true" : "false", tls_version, cipher, options.connections,
               options.size, options.binary ? "true" : "false", options.depth, duration, options.warmup,
               measured_echoes, rate, sent_mb, received_mb, p50, p99, p999, maximum, mean, total_echoes, clean_closes,
               errors, cpu_percent);
    } else {
        printf("url           %s%s%s%s\n", options.url, options.secure ? "  (" : "", options.secure ? tls_version : "",
               options.secure ? ")" : "");
        if (options.secure) printf("cipher        %s\n", cipher);
        printf("connections   %d\nmessage size  %d B %s\ndepth         %d\n", options.connections, options.size,
               options.binary ? "binary" : "text", options.depth);
        printf("duration      %.2f s measured after %.2f s warm-up, %" PRIu64 " echoes counted\n", duration,
               options.warmup, measured_echoes);
        printf("messages/s    %.1f\npayload MB/s  sent %.3f  received %.3f  (1 MB = 10^6 B)\n", rate, sent_mb,
               received_mb);
        printf("latency us    p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (mean %.1f)\n", p50, p99, p999, maximum, mean);
        printf("client CPU    %.1f%% of one core during the measured period\n", cpu_percent);
        printf("errors        %" PRIu64 "  (clean closes %" PRIu64 "/%d)\n", errors, clean_closes, options.connections);
    }
    return errors == 0 && clean_closes == (uint64_t)options.connections ? 0 : 1;
}
