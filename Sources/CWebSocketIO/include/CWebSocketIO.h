// C declarations that the Swift Glibc module does not export.
//
// Glibc's module map has no <sys/epoll.h> or <sys/eventfd.h>, and it is built without
// _GNU_SOURCE, so accept4, pthread_setname_np and sched_getaffinity are invisible to Swift.
// The GNU functions are wrapped in CWebSocketIO.c, which is compiled with _GNU_SOURCE.
// Only WebSocketIO/System/Syscalls.swift and the selector backends call into this module.
#ifndef C_WEBSOCKET_IO_H
#define C_WEBSOCKET_IO_H

#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <pthread.h>

/// accept4(2).
int cwsio_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
/// pthread_setname_np(3) for the calling thread; names longer than 15 bytes are truncated.
int cwsio_set_current_thread_name(const char *name);
/// The number of CPUs in the calling thread's affinity mask, or -1 if sched_getaffinity fails.
int cwsio_affinity_cpu_count(void);
#endif

#endif
