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
#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
