/* The interface tables generated from idl/: interface and method counts of
 * MS-ISTM section 6, opnums counted through inheritance (checked against the
 * "(Opnum N)" headings of MS-ISTM section 3), IUnknown's reserved slots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "idl/ndr_ms_dcom.h"
#include "idl/ndr_ms_istm.h"
#include "idl/ndr_ms_rpce.h"

static size_t count_interfaces(const struct idl_interface *const *list)
{
	size_t n = 0;

	while (list[n] != NULL)
		n++;
	return n;
}

static void test_istm_counts(void **state)
{
	size_t own = 0;

	/* MS-ISTM section 6 declares 42 interfaces and, counting its
	 * "HRESULT name(" lines, 297 methods. */
	assert_int_equal(count_interfaces(idl_interfaces_ms_istm), 42);
	for (size_t i = 0; idl_interfaces_ms_istm[i] != NULL; i++) {
		const struct idl_interface *iface = idl_interfaces_ms_istm[i];

		assert_true(iface->object);
		assert_true(idl_interface_is_a(iface, &idl_iface_IUnknown));
		assert_int_equal(iface->first_opnum, iface->base->table->num_calls);
		own += iface->table->num_calls - iface->first_opnum;
	}
	assert_int_equal(own, 297);
}

static const char *call_name(const struct idl_interface *iface, uint32_t opnum)
{
	assert_true(opnum < iface->table->num_calls);
	return iface->table->calls[opnum].name;
}

static void test_opnums_through_inheritance(void **state)
{
	/* Interfaces declared before their base (IHostMgr2 : IHostMgr). */
	assert_ptr_equal(idl_iface_IHostMgr2.base, &idl_iface_IHostMgr);
	assert_int_equal(idl_iface_IHostMgr.first_opnum, 3);
	assert_int_equal(idl_iface_IHostMgr2.first_opnum, 8);
	/* MS-ISTM 3.29.4.1: EnumAllClusterHosts (Opnum 12) */
	assert_int_equal(idl_iface_IHostMgr3.first_opnum, 12);
	assert_int_equal(NDR_IHOSTMGR3_ENUMALLCLUSTERHOSTS, 12);
	assert_string_equal(call_name(&idl_iface_IHostMgr3, 12), "IHostMgr3_EnumAllClusterHosts");
	assert_string_equal(call_name(&idl_iface_IHostMgr3, 8), "IHostMgr2_NewHost2");
	assert_string_equal(call_name(&idl_iface_IHostMgr3, 3), "IHostMgr_EnumHosts");
	/* MS-ISTM 3.21.4.10-11, 3.24.4.1-2, 3.33.4.1, 3.45.4.6 */
	assert_int_equal(NDR_IHOST_GET_STATUS, 12);
	assert_int_equal(NDR_IHOST_PUT_STATUS, 13);
	assert_int_equal(NDR_IHOST3_GET_RESOURCESTATE, 66);
	assert_int_equal(NDR_IHOST3_PUT_RESOURCESTATE, 67);
	assert_int_equal(NDR_ILOCALDEVICEMGR3_CREATEDIFFWTFILE, 31);
	assert_int_equal(NDR_IWTDISK3_GET_RESOURCESTATE, 55);
	assert_int_equal(NDR_IENUMDISK_CLONE, 6);
	assert_int_equal(idl_iface_IHost3.table->num_calls, 68);
	assert_string_equal(call_name(&idl_iface_IHost3, 13), "IHost_put_Status");
	assert_string_equal(call_name(&idl_iface_IHost3, 60), "IHost2_get_ResourceName");
	/* MS-DCOM 3.1.1.5.7: IRemUnknown2 adds opnum 6 to IRemUnknown's 3-5. */
	assert_int_equal(NDR_IREMUNKNOWN_REMQUERYINTERFACE, 3);
	assert_int_equal(NDR_IREMUNKNOWN2_REMQUERYINTERFACE2, 6);
	assert_int_equal(NDR_IOBJECTEXPORTER_SERVERALIVE2, 5);
	assert_int_equal(NDR_IREMOTESCMACTIVATOR_REMOTECREATEINSTANCE, 4);
	assert_int_equal(NDR_EPT_MAP, 3);
	assert_int_equal(ndr_table_ept.num_calls, 7);
	assert_int_equal(ndr_table_ept.syntax_id.if_version, 3);
}

static void test_reserved_slots(void **state)
{
	const struct idl_interface *iface = &idl_iface_IWTDiskMgr4;

	for (uint32_t op = 0; op < iface->table->num_calls; op++) {
		const struct ndr_interface_call *call = &iface->table->calls[op];

		if (op < 3) {
			/* IUnknown's opnums 0-2: names only, no functions */
			assert_null(call->ndr_push);
			assert_null(call->ndr_pull);
			assert_null(iface->init_out[op]);
		} else {
			assert_non_null(call->ndr_push);
			assert_non_null(call->ndr_pull);
			assert_non_null(call->ndr_print);
			assert_non_null(iface->init_out[op]);
			assert_true(call->struct_size > 0);
		}
	}
	/* calls[] ends with a NULL name, as Samba's tables do */
	assert_null(iface->table->calls[iface->table->num_calls].name);
	for (uint32_t op = 0; op < 3; op++)
		assert_null(idl_iface_IRemoteSCMActivator.table->calls[op].ndr_push);
}

static void test_syntax_ids(void **state)
{
	struct GUID g;

	for (size_t i = 0; idl_interfaces_ms_istm[i] != NULL; i++)
		assert_int_equal(idl_interfaces_ms_istm[i]->table->syntax_id.if_version, 0);
	assert_true(NT_STATUS_IS_OK(GUID_from_string(NDR_IHOST_UUID, &g)));
	assert_true(GUID_equal(&g, &ndr_table_IHost.syntax_id.uuid));
	assert_true(NT_STATUS_IS_OK(GUID_from_string("b0076fec-a921-4034-a8ba-090bc6d03bde", &g)));
	assert_true(GUID_equal(&g, &idl_iface_IHost.table->syntax_id.uuid));
	assert_true(NT_STATUS_IS_OK(GUID_from_string("99fcfec4-5260-101b-bbcb-00aa0021347a", &g)));
	assert_true(GUID_equal(&g, &ndr_table_IObjectExporter.syntax_id.uuid));
	assert_false(idl_iface_IObjectExporter.object);
	assert_true(idl_iface_IRemUnknown2.object);
	assert_int_equal(count_interfaces(idl_interfaces_ms_dcom), 6);
	assert_int_equal(count_interfaces(idl_interfaces_ms_rpce), 1);
}

/* result_offset: every HRESULT method of every [object] interface has one,
 * inside its structure, where out.result is; void methods and reserved
 * opnums have none. */
static void test_result_offsets(void **state)
{
	const struct idl_interface *const *lists[] = { idl_interfaces_ms_istm,
						       idl_interfaces_ms_dcom };

	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; lists[l][i] != NULL; i++) {
			const struct idl_interface *iface = lists[l][i];
			for (uint32_t op = 0; op < iface->table->num_calls; op++) {
				const struct ndr_interface_call *call = &iface->table->calls[op];
				if (call->ndr_pull == NULL) {
					assert_int_equal(iface->result_offset[op], IDL_NO_RESULT);
					continue;
				}
				if (!iface->object)
					continue;
				assert_true(iface->result_offset[op] + sizeof(uint32_t) <=
					    call->struct_size);
			}
		}
	}
	struct IHostMgr_GetHost get_host = { .out.result = 0 };
	assert_ptr_equal(idl_result_ptr(&idl_iface_IHostMgr3, NDR_IHOSTMGR_GETHOST, &get_host),
			 &get_host.out.result);
	struct IRemUnknown2_RemQueryInterface2 qi2 = { .out.result = 0 };
	assert_ptr_equal(idl_result_ptr(&idl_iface_IRemUnknown2, 6, &qi2), &qi2.out.result);
	assert_null(idl_result_ptr(&idl_iface_IRemUnknown2, 1, &qi2));
	assert_null(idl_result_ptr(&idl_iface_IRemUnknown2, 7, &qi2));
	/* ept_insert returns nothing */
	assert_null(idl_result_ptr(&idl_iface_ept, 0, &qi2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_istm_counts),
		cmocka_unit_test(test_opnums_through_inheritance),
		cmocka_unit_test(test_reserved_slots),
		cmocka_unit_test(test_syntax_ids),
		cmocka_unit_test(test_result_offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
