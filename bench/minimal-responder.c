/* The architecture's limit: a libfcgi responder that always answers 200 with one header.
 * Usage: minimal-responder /path/to.sock|HOST:PORT THREADS [HEADER-NAME]      (build: cc -O2 -pthread ... -lfcgi)
 * HEADER-NAME: X-Auth-Request-User (nginx) by default; Variable-REMOTE_USER for Apache's mod_authnz_fcgi,
 * which without it refuses the request (500), so that row really authorizes. */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int listen_fd;
static char answer[256];

static void *worker(void *unused) {
    FCGX_Request req;
    (void)unused;
    FCGX_InitRequest(&req, listen_fd, 0);
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutS(answer, req.out);
        FCGX_Finish_r(&req);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) { fprintf(stderr, "usage: %s SOCKET|HOST:PORT THREADS [HEADER-NAME]\n", argv[0]); return 2; }
    int n = atoi(argv[2]);
    snprintf(answer, sizeof answer, "Status: 200\r\n%s: bench\r\n\r\n", argc == 4 ? argv[3] : "X-Auth-Request-User");
    FCGX_Init();
    if ((listen_fd = FCGX_OpenSocket(argv[1], 256)) < 0) { perror("FCGX_OpenSocket"); return 1; }
    chmod(argv[1], 0666);  /* a unix socket; fails harmlessly for HOST:PORT */
    pthread_t t[256];
    for (int i = 0; i < n && i < 256; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < n && i < 256; i++) pthread_join(t[i], NULL);
    return 0;
}
