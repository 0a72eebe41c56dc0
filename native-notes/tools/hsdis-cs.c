/* Minimal HotSpot disassembler plugin (hsdis) over capstone, for native-notes/. Build: tools/build-hsdis.sh DIR. */
#include <stdint.h>
#include <stdio.h>
#include <capstone/capstone.h>

typedef void* (*event_cb)(void*, const char*, void*);
typedef int (*printf_cb)(void*, const char*, ...);

void* decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char* buffer, uintptr_t length,
                                  event_cb events, void* event_stream, printf_cb out, void* out_stream,
                                  const char* options, int newline) {
  csh h;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) return NULL;
  cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
  cs_option(h, CS_OPT_SKIPDATA, CS_OPT_ON);
  cs_insn* insn;
  size_t n = cs_disasm(h, buffer, length, start_va, 0, &insn);
  for (size_t i = 0; i < n; i++) {
    if (events) events(event_stream, "insn", (void*) insn[i].address);
    out(out_stream, "%-10s %s", insn[i].mnemonic, insn[i].op_str);
    if (events) events(event_stream, "/insn", (void*) (insn[i].address + insn[i].size));
    if (newline) out(out_stream, "\n");
  }
  if (n) cs_free(insn, n);
  cs_close(&h);
  return NULL;
}
