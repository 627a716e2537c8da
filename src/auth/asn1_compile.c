/* Build tool: compiles an ASN.1 module into libtasn1's static node array
 * (what Debian's asn1Parser does, without needing libtasn1-bin).
 * Usage: asn1_compile MODULE.asn OUTPUT.c ARRAY_NAME */
#include <libtasn1.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	if (argc != 4) {
		fprintf(stderr, "usage: %s MODULE.asn OUTPUT.c ARRAY_NAME\n", argv[0]);
		return 2;
	}
	if (asn1_parser2array(argv[1], argv[2], argv[3], err) != ASN1_SUCCESS) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		return 1;
	}
	return 0;
}
