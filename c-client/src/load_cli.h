/* load_cli.h - the `h2c-probe load` command line (main.c dispatches to it). */
#ifndef H2C_LOAD_CLI_H
#define H2C_LOAD_CLI_H

/* Runs `h2c-probe load ARGS` (argv[0] is "load"); returns the exit code:
 * 0 the runs completed, 2 usage/input/output error. */
int load_cli_main(int argc, char **argv);

#endif
