/* The architecture's limit: a libfcgi responder that always answers 200 with one header.
 * Usage: minimal-responder /path/to.sock THREADS      (build: cc -O2 -pthread ... -lfcgi) */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int listen_fd;

static void *worker(void *unused) {
    FCGX_Request req;
    (void)unused;
    FCGX_InitRequest(&req, listen_fd, 0);
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutS("Status: 200\r\nX-Auth-Request-User: bench\r\n\r\n", req.out);
        FCGX_Finish_r(&req);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s SOCKET THREADS\n", argv[0]); return 2; }
    int n = atoi(argv[2]);
    FCGX_Init();
    if ((listen_fd = FCGX_OpenSocket(argv[1], 256)) < 0) { perror("FCGX_OpenSocket"); return 1; }
    chmod(argv[1], 0666);
    pthread_t t[256];
    for (int i = 0; i < n && i < 256; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < n && i < 256; i++) pthread_join(t[i], NULL);
    return 0;
}
