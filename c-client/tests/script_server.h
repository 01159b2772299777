/* script_server.h - a scripted HTTP server on 127.0.0.1 for the unit tests.
 *
 * A script is a list of steps; SS_ACCEPT starts the next connection (in the
 * order the client opens them), the steps after it run on that connection
 * in a thread of its own, so a client may keep several open at once (two
 * clients of a proxy scenario). A connection whose steps are done waits for
 * the client to close it, then closes. Every wait is bounded (SS_WAIT_MS,
 * and script_server_stop ends them at once), so a script the client does
 * not follow fails instead of hanging: script_server_error says which step
 * of which connection, and what happened. Connections nobody scripted are
 * accepted, counted and closed, unless the script ends with SS_ACCEPT_ANY:
 * then every further connection plays the steps after it (a server whose
 * every connection gets the same treatment, however many the client opens).
 * SS_REPEAT plays the steps after it again and again (a flood, a trickle).
 * Used by test_engine_raw.c (steps written as C arrays), test_cases.c
 * (steps read from tests/cases/NAME.json) and test_deadlines.c (floods). */
#ifndef H2C_SCRIPT_SERVER_H
#define H2C_SCRIPT_SERVER_H

#include <pthread.h>
#include <stddef.h>

typedef enum {
  SS_END = 0,     /* end of the script */
  SS_ACCEPT,      /* the next connection begins */
  SS_READ_UNTIL,  /* read until the bytes s[0..n) arrived, consume through them */
  SS_READ_N,      /* read and consume exactly n bytes */
  SS_WRITE,       /* write s[0..n) */
  SS_SLEEP,       /* wait n ms */
  SS_CLOSE,       /* close the connection (FIN) */
  SS_RESET,       /* close with a TCP reset (SO_LINGER 0) */
  SS_WAIT_EOF,    /* drain until the client closes, then close */
  SS_ECHO,        /* read one request (Content-Length or chunked body) and
                     answer 200 with its body: for a body whose length the
                     script cannot know (a calibrated one) */
  SS_ACCEPT_ANY,  /* the last connection of the script: every connection
                     from here on (in any number) plays the steps after it */
  SS_REPEAT       /* plays the n steps after it again and again, until one
                     fails (the client left), stop, or SS_WAIT_MS; then the
                     steps after those n */
} ss_kind;

typedef struct ss_step { ss_kind kind; const char *s; size_t n; } ss_step;

/* C spellings of the steps (string literals). */
#define ACCEPT {SS_ACCEPT, NULL, 0}
#define READ_UNTIL(m) {SS_READ_UNTIL, m, sizeof m - 1}
#define READ_N(k) {SS_READ_N, NULL, k}
#define WRITE(b) {SS_WRITE, b, sizeof b - 1}
#define SLEEP(ms) {SS_SLEEP, NULL, ms}
#define CLOSE {SS_CLOSE, NULL, 0}
#define WAIT_EOF {SS_WAIT_EOF, NULL, 0}
#define ECHO_REQUEST {SS_ECHO, NULL, 0}
#define ACCEPT_ANY {SS_ACCEPT_ANY, NULL, 0}
#define REPEAT(k) {SS_REPEAT, NULL, k}
#define END {SS_END, NULL, 0}

/* No step waits longer than this; script_server_stop (called when the
 * client is done) ends every wait at once, so a step may wait for a client
 * that pauses (delay_ms up to 10 s) without the suite ever hanging. */
#define SS_WAIT_MS 12000
#define SS_MAX_CONNS 16
#define SS_GOT_MAX 65536

typedef struct ss_conn {
  struct script_server *srv;
  int index;                /* 0-based, in accept order */
  const ss_step *steps;     /* after its SS_ACCEPT */
  int fd;
  pthread_t th;
  int started;
  char pending[16384];      /* received, not consumed yet */
  size_t pending_len;
} ss_conn;

typedef struct script_server {
  int lfd, port;
  const ss_step *steps;
  const ss_step *any_steps; /* after SS_ACCEPT_ANY, or NULL */
  pthread_t acceptor;
  volatile int stop;
  int playing;              /* the acceptor thread runs */
  pthread_mutex_t mu;
  ss_conn conns[SS_MAX_CONNS];
  int nscripted, naccepted; /* connections in the script / accepted for it */
  int nany;                 /* accepted for SS_ACCEPT_ANY (conns[nscripted..]) */
  int nextra;               /* accepted beyond the script (closed at once) */
  char got[SS_GOT_MAX];     /* every byte received, all connections */
  size_t got_len;
  char error[512];          /* the first failed step, "" when none */
} script_server;

/* Listens on 127.0.0.1 (a free port, s->port) and starts playing steps
 * (not copied: they must outlive the server). Returns 0 or -1. */
int script_server_start(script_server *s, const ss_step *steps);
/* The same in two halves, for a script that needs the port: listen (0 or
 * -1), then play (0, or -1 with the server closed). */
int script_server_listen(script_server *s);
int script_server_play(script_server *s, const ss_step *steps);
/* Ends every wait, joins the threads, closes the sockets. */
void script_server_stop(script_server *s);
/* After stop: what went wrong with the script, or NULL when every scripted
 * connection was opened, every step completed and nothing else connected. */
const char *script_server_error(script_server *s);
/* A port nothing listens on (bound, then closed), or -1. */
int script_server_dead_port(void);

#endif
