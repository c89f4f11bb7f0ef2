#ifndef GATEHOUSE_CFUZZDRIVER_H
#define GATEHOUSE_CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer on `callback`. SwiftPM renames each executable's `main`, so libFuzzer's own `main` is never
/// linked; each harness calls this from its top-level code instead.
int gatehouse_fuzz_run(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size));
#endif
