#!/usr/bin/env python3
"""Tests of idlc itself (run by ctest as test_idlc): IDL errors are reported
as FILE:LINE, --stats counts MS-ISTM's interfaces and methods."""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from idl_lexer import IdlError  # noqa: E402
from idl_model import load_model  # noqa: E402

PRELUDE = """\
typedef unsigned long DWORD;
typedef struct { DWORD a; } S1;
"""


class Errors(unittest.TestCase):
    def error(self, body):
        """Loads PRELUDE + BODY; returns (line, message) of the error."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.idl")
            with open(path, "w") as f:
                f.write(PRELUDE + textwrap.dedent(body))
            with self.assertRaises(IdlError) as cm:
                load_model([path])
            text = str(cm.exception)
            self.assertTrue(text.startswith(os.path.relpath(path) + ":"), text)
            line = int(text.split(":")[1])
            return line - PRELUDE.count("\n"), cm.exception.msg

    def test_undefined_type(self):
        self.assertEqual(self.error("typedef struct {\n  NOPE x;\n} T;\n"), (2, "type NOPE is not defined"))

    def test_unknown_attribute(self):
        line, msg = self.error("typedef struct {\n  [frobnicate] DWORD x;\n} T;\n")
        self.assertEqual((line, msg), (2, "unknown attribute [frobnicate]"))

    def test_conformant_array_not_last(self):
        line, msg = self.error("typedef struct {\n DWORD n;\n [size_is(n)] DWORD a[];\n DWORD z;\n} T;\n")
        self.assertEqual(line, 3)
        self.assertIn("must be the last field", msg)

    def test_size_is_unknown_field(self):
        line, msg = self.error("typedef struct {\n DWORD n;\n [size_is(m)] DWORD *a;\n} T;\n")
        self.assertEqual(line, 3)
        self.assertIn("m is not a field", msg)

    def test_out_not_pointer(self):
        line, msg = self.error("[uuid(12345678-1234-1234-1234-123456789abc)]\ninterface i {\n"
                               " void m([out] DWORD x);\n}\n")
        self.assertEqual(line, 3)
        self.assertIn("must be a pointer", msg)

    def test_missing_base(self):
        line, msg = self.error("[uuid(12345678-1234-1234-1234-123456789abc)]\ninterface i : j {\n}\n")
        self.assertEqual(line, 2)
        self.assertIn("base interface j", msg)

    def test_bad_uuid(self):
        line, msg = self.error("[uuid(1234)]\ninterface i {\n}\n")
        self.assertEqual(line, 1)
        self.assertIn("bad uuid", msg)

    def test_duplicate_name(self):
        line, msg = self.error("typedef DWORD S1;\n")
        self.assertEqual(line, 1)
        self.assertIn("already defined", msg)

    def test_missing_import(self):
        line, msg = self.error('import "nowhere.idl";\n')
        self.assertEqual(line, 1)
        self.assertIn("not among the IDL files", msg)

    def test_union_needs_switch_is(self):
        line, msg = self.error("typedef [switch_type(DWORD)] union { [case(1)] DWORD a; } U;\n"
                               "typedef struct {\n  U u;\n} T;\n")
        self.assertEqual((line, msg), (3, "a union field needs [switch_is(...)]"))

    def test_self_reference(self):
        # Recursive types are not supported: a tag exists once its body is read.
        line, msg = self.error("typedef struct _R {\n  struct _R *next;\n} R;\n")
        self.assertEqual((line, msg), (2, "struct _R is not defined"))

    def test_pointer_in_packet(self):
        line, msg = self.error("typedef [packet] struct {\n  DWORD *p;\n} P;\n")
        self.assertEqual((line, msg), (2, "[packet] types cannot contain pointers"))

    def test_array_of_conformant_structs(self):
        line, msg = self.error("typedef struct {\n DWORD n;\n [size_is(n)] DWORD a[];\n} C;\n"
                               "typedef struct {\n DWORD k;\n [size_is(k)] C *cs;\n} T;\n")
        self.assertEqual(line, 7)
        self.assertIn("arrays of conformant structures", msg)

    def test_syntax_error(self):
        line, msg = self.error("typedef struct {\n  DWORD a\n} T;\n")
        self.assertEqual(line, 3)
        self.assertIn("expected ';'", msg)


class Stats(unittest.TestCase):
    def test_istm_counts(self):
        idl = sorted(os.path.join(ROOT, "idl", f) for f in os.listdir(os.path.join(ROOT, "idl"))
                     if f.endswith(".idl"))
        out = subprocess.run([sys.executable, os.path.join(HERE, "idlc"), "--stats"] + idl,
                             check=True, capture_output=True, text=True).stdout
        self.assertIn("ms-istm.idl: 42 interfaces, 297 methods declared by them", out)
        self.assertIn("IHostMgr3 : IHostMgr2: 1 own methods (opnums 12-12), 13 in total", out)
        self.assertIn("IHost3 : IHost2: 2 own methods (opnums 66-67), 68 in total", out)


if __name__ == "__main__":
    unittest.main(verbosity=1, buffer=True)
