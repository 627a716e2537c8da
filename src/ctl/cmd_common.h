/* What the commands that talk to istmd share: their option parsing (each
 * action's own options, plus --json and --help), the connection each runs
 * on, and how they show the result (the target or disk, human or JSON). */
#ifndef ISTMD_CTL_CMD_COMMON_H
#define ISTMD_CTL_CMD_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ctl/conn.h"
#include "ctl/options.h"

/* One action of a command family: "istmctl disk create ...". */
struct ctl_action {
	const char *name;     /* "create" */
	const char *synopsis; /* "PATH [--size SIZE] ..." */
	int min_args, max_args; /* positional arguments after the options (-1: any) */
	const struct option *options; /* the action's own long options (NULL-terminated), or NULL */
	/* Optional: checks the arguments before anything is sent; 0, or
	 * CTL_EXIT_USAGE after a message. */
	int (*check)(const struct ctl_options *options, const char *who, char **args, int n_args);
	/* The action, on a connection to istmd opened before (C->who names the
	 * action in messages) and closed after. */
	int (*run)(struct ctl_conn *c, const struct ctl_options *options, char **args, int n_args);
};

/* Dispatches ARGV ("family", "action", options..., arguments...) to one of
 * ACTIONS: parses the action's options with getopt_long (plus --json and
 * --help) and hands each of its own options to SET_OPTION (which returns
 * false for a bad value, after a message). Usage errors exit 2. */
int ctl_dispatch(const char *family, const struct ctl_action *actions, size_t n_actions,
		 const struct ctl_options *options, int argc, char **argv,
		 bool (*set_option)(int opt, const char *arg));

/* A command that is one action ("istmctl map ..."): ARGV[0] is its name. */
int ctl_run(const struct ctl_action *action, const struct ctl_options *options, int argc,
	    char **argv, bool (*set_option)(int opt, const char *arg));

/* Prints the usage of a family's actions on OUT. */
void ctl_family_usage(FILE *out, const char *family, const struct ctl_action *actions,
		      size_t n_actions);

/* Writes JSON on standard output; 0, or CTL_EXIT_FAILURE after a message. */
int ctl_emit(struct ctl_conn *c, json_t *json);

/* Reads HOST again and prints it: JSON (the target object) with --json, else
 * MESSAGE (printf-style) on one line. Returns 0 or an exit code. */
int ctl_show_target(struct ctl_conn *c, struct dcom_iface *host, bool json, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same for the disk WTD. */
int ctl_show_disk(struct ctl_conn *c, uint32_t wtd, bool json, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A secret for CHAP: the first line of FILE, or of standard input when FILE
 * is NULL (after the account's password when that comes from standard input
 * too). Never echoed; the caller wipes and frees it (ctl/password.h). NULL
 * after a message. */
char *ctl_read_secret(const char *file, const char *who);

#endif
