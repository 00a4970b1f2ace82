/* Models embedded in the binary (paths from the Makefile):
**   llmz_default_model  -- the default model (DEFAULT_MODEL), used for compression;
**   llmz_retired_model  -- an earlier default model (RETIRED_MODEL, optional), kept so that archives made
**                          with it still decode (llmz_model_load_builtin).  Empty when not configured. */
    .section .rodata
    .balign 64
    .globl llmz_default_model
llmz_default_model:
    .incbin LLMZ_MODEL_PATH
    .globl llmz_default_model_end
llmz_default_model_end:
    .byte 0
    .balign 64
    .globl llmz_retired_model
llmz_retired_model:
#ifdef LLMZ_RETIRED_PATH
    .incbin LLMZ_RETIRED_PATH
#endif
    .globl llmz_retired_model_end
llmz_retired_model_end:
    .byte 0
/* Adapters for the default model (LLMZ_ADAPTERn_PATH, optional; llmz_adapter_builtin). */
#define ADAPTER(sym, path) \
    .balign 64; .globl sym; sym: ; .incbin path; .globl sym##_end; sym##_end: ; .byte 0
#define NO_ADAPTER(sym) \
    .balign 64; .globl sym; sym: ; .globl sym##_end; sym##_end: ; .byte 0
#ifdef LLMZ_ADAPTER0_PATH
    ADAPTER(llmz_adapter0, LLMZ_ADAPTER0_PATH)
#else
    NO_ADAPTER(llmz_adapter0)
#endif
#ifdef LLMZ_ADAPTER1_PATH
    ADAPTER(llmz_adapter1, LLMZ_ADAPTER1_PATH)
#else
    NO_ADAPTER(llmz_adapter1)
#endif
#ifdef LLMZ_ADAPTER2_PATH
    ADAPTER(llmz_adapter2, LLMZ_ADAPTER2_PATH)
#else
    NO_ADAPTER(llmz_adapter2)
#endif
#ifdef LLMZ_ADAPTER3_PATH
    ADAPTER(llmz_adapter3, LLMZ_ADAPTER3_PATH)
#else
    NO_ADAPTER(llmz_adapter3)
#endif
#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
