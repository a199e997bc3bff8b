#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, called from a harness's own main (SwiftPM renames an executable's entry point and links
/// `main` to it, so libFuzzer's main is never used). Provided by `-sanitize=fuzzer`'s runtime.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
