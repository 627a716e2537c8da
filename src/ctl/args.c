#include "ctl/args.h"

#include <string.h>

#include "ctl/errors.h"

/* The option as written, without a value glued to it: "--password" for
 * "--password=SECRET", "-x" for "-xSECRET". */
static int name_length(const char *word)
{
	if (word[1] != '-')
		return 2;
	const char *eq = strchr(word, '=');
	int n = eq ? (int)(eq - word) : (int)strlen(word);
	return n > 64 ? 64 : n;
}

static int unknown(struct ctl_args *a, const char *word)
{
	ctl_error(0, "%s: unknown option '%.*s' (options are written in full; see --help)",
		  a->who, name_length(word), word);
	return CTL_ARGS_ERROR;
}

/* The value of the option in WORD: glued (GLUED not NULL) or the next word. */
static int value(struct ctl_args *a, const char *word, const char *glued, int val)
{
	if (glued != NULL) {
		a->arg = glued;
		return val;
	}
	if (a->next >= a->argc) {
		ctl_error(0, "%s: option '%.*s' needs a value", a->who, name_length(word), word);
		return CTL_ARGS_ERROR;
	}
	a->arg = a->argv[a->next++];
	return val;
}

static int long_option(struct ctl_args *a, const char *word)
{
	const char *name = word + 2;
	const char *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	for (const struct option *o = a->longopts; o != NULL && o->name != NULL; o++) {
		if (strlen(o->name) != n || strncmp(o->name, name, n) != 0)
			continue;
		if (o->has_arg == no_argument) {
			if (eq != NULL) {
				ctl_error(0, "%s: option '--%s' takes no value", a->who, o->name);
				return CTL_ARGS_ERROR;
			}
			a->arg = NULL;
			return o->val;
		}
		return value(a, word, eq ? eq + 1 : NULL, o->val);
	}
	return unknown(a, word);
}

static int short_option(struct ctl_args *a, const char *word)
{
	const char *at = a->shortopts ? strchr(a->shortopts, word[1]) : NULL;
	if (at == NULL || word[1] == ':')
		return unknown(a, word);
	if (at[1] == ':')
		return value(a, word, word[2] != '\0' ? word + 2 : NULL, word[1]);
	if (word[2] != '\0')
		return unknown(a, word);
	a->arg = NULL;
	return word[1];
}

int ctl_args_next(struct ctl_args *a)
{
	if (a->next < 1)
		a->next = 1;
	while (a->next < a->argc) {
		const char *word = a->argv[a->next];
		if (strcmp(word, "--") == 0) {
			a->next++;
			if (a->in_order)
				return CTL_ARGS_END;
			while (a->next < a->argc)
				a->operands[a->n_operands++] = a->argv[a->next++];
			return CTL_ARGS_END;
		}
		if (word[0] != '-' || word[1] == '\0') { /* an operand; "-" is one too */
			if (a->in_order)
				return CTL_ARGS_END;
			a->operands[a->n_operands++] = a->argv[a->next++];
			continue;
		}
		a->next++;
		return word[1] == '-' ? long_option(a, word) : short_option(a, word);
	}
	return CTL_ARGS_END;
}

bool ctl_args_has(int argc, char **argv, const char *word)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], word) == 0)
			return true;
	}
	return false;
}
