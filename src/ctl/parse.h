/* What istmctl reads from its command line and shows of the server's values:
 * sizes, initiator identifiers, disk references, paths, times. Pure
 * functions (unit-tested in tests/unit/ctl). */
#ifndef ISTMD_CTL_PARSE_H
#define ISTMD_CTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "67108864", "64M", "64MB", "64MiB", "1G", "2T", "512K" (binary multiples
 * whichever way they are spelt, case ignored; "B" alone allowed). 0 or
 * -EINVAL (syntax, zero) or -ERANGE. */
int ctl_parse_size(const char *text, uint64_t *bytes);

/* A decimal number in [MIN, MAX]. 0, -EINVAL or -ERANGE. */
int ctl_parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *value);

/* Whether S starts like an iSCSI name (RFC 3720 3.2.6: iqn., eui., naa.). */
bool ctl_is_iscsi_name(const char *s);

/* MS-ISTM 2.2.3.3 IDMethod values. */
enum ctl_id_method {
	CTL_ID_NETBIOS = 0,
	CTL_ID_DNS = 1,
	CTL_ID_IPV4 = 2,
	CTL_ID_MAC = 3,
	CTL_ID_IQN = 4,
	CTL_ID_IPV6 = 5,
};

/* An initiator identifier as given to allow/deny: "METHOD:VALUE" with METHOD
 * one of iqn, ip, ipv6, dns, mac, netbios (case ignored), or a bare value
 * whose kind is guessed: "*" and iSCSI names (iqn., eui., naa.) are IQN,
 * numeric IPv4/IPv6 addresses (with an optional /prefix) are addresses,
 * "aa:bb:cc:dd:ee:ff" is a MAC address, anything else a DNS name. *VALUE
 * points into TEXT. 0 or -EINVAL (empty, unknown method). */
int ctl_parse_initiator(const char *text, enum ctl_id_method *method, const char **value);
/* "iqn", "ip", "ipv6", "dns", "mac", "netbios"; "unknown" otherwise. */
const char *ctl_id_method_name(uint32_t method);

/* A disk given by WTD index ("3") or by path. True for an index (*WTD set). */
bool ctl_disk_is_index(const char *text, uint32_t *wtd);

/* Whether PATH (as a user typed it) names the same file as DEVICE_PATH (as
 * the server reports it): equal, or both Windows paths equal once the drive
 * letter's case, the separators ('\' or '/') and a leading "\\?\" are set
 * aside. File names compare with case (the server's files are on Linux). */
bool ctl_path_same(const char *path, const char *device_path);

/* A FILETIME (100 ns since 1601-01-01 UTC) as "YYYY-MM-DDTHH:MM:SSZ" in BUF
 * (>= 24 bytes); NULL for 0 (never) or an out-of-range value. */
const char *ctl_filetime_text(int64_t filetime, char *buf, size_t size);

/* BYTES in the largest binary unit that divides it ("64 MiB", "1.5 GiB" is
 * never produced: "1536 MiB"), in BUF (>= 32 bytes). */
const char *ctl_size_text(uint64_t bytes, char *buf, size_t size);

#endif
