/* Small helpers shared by the libFuzzer targets of tests/fuzz (README.md). */
#ifndef ISTMD_FUZZ_UTIL_H
#define ISTMD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <talloc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A cursor over the fuzzer's input. Several targets take a sequence of
 * tokens: each is a 2-byte little-endian length followed by that many bytes
 * (tests/fuzz/make_seeds.py writes seeds in this form). */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

/* The next token, or 0 when the input is used up (a short last token is
 * taken as it is). */
static inline int fuzz_next_token(struct fuzz_in *in, const uint8_t **tok, size_t *len)
{
	if (in->left < 2)
		return 0;
	size_t n = (size_t)in->p[0] | (size_t)in->p[1] << 8;
	in->p += 2;
	in->left -= 2;
	if (n > in->left)
		n = in->left;
	*tok = in->p;
	*len = n;
	in->p += n;
	in->left -= n;
	return 1;
}

/* INPUT as a NUL-terminated string on MEM_CTX (text parsers). */
static inline char *fuzz_text(TALLOC_CTX *mem_ctx, const uint8_t *data, size_t size)
{
	char *s = talloc_size(mem_ctx, size + 1);
	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

#endif
