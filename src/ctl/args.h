/* istmctl's own option parser: like getopt_long, but long options must be
 * written in full (getopt's abbreviations let "--password SECRET" pass for
 * "--password-file SECRET", a secret on the command line and then in an
 * error message), and its messages never show an option's value. */
#ifndef ISTMD_CTL_ARGS_H
#define ISTMD_CTL_ARGS_H

#include <getopt.h>
#include <stdbool.h>

enum {
	CTL_ARGS_END = -1,   /* no more options */
	CTL_ARGS_ERROR = -2, /* a usage error, reported */
};

struct ctl_args {
	/* set by the caller */
	const char *who;                /* "istmctl target create": prefixes messages */
	int argc;
	char **argv;                    /* ARGV[0] is the command's name, skipped */
	const struct option *longopts;  /* NULL-terminated; flag must be NULL */
	const char *shortopts;          /* "s:u:V" (no "+" or "-"), or NULL */
	bool in_order;                  /* stop at the first operand (global options) */
	char **operands;                /* room for ARGC words; NULL with IN_ORDER */
	/* set by ctl_args_next() */
	int next;                       /* the next word to look at (start: 0 = 1) */
	int n_operands;                 /* operands collected (not IN_ORDER) */
	const char *arg;                /* the value of the option returned */
};

/* The next option: its val (with ARG set for one that takes a value),
 * CTL_ARGS_END, or CTL_ARGS_ERROR after a message. Operands go to OPERANDS
 * in order; "--" makes every later word an operand. With IN_ORDER, NEXT is
 * the first operand's index at the end. */
int ctl_args_next(struct ctl_args *a);

/* Whether WORD ("--help") is among ARGV[1..] before any "--". */
bool ctl_args_has(int argc, char **argv, const char *word);

#endif
