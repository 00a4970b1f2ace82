/* The default model, embedded in the binary (the path comes from the Makefile's DEFAULT_MODEL). */
    .section .rodata
    .balign 64
    .globl llmz_default_model
llmz_default_model:
    .incbin LLMZ_MODEL_PATH
    .globl llmz_default_model_end
llmz_default_model_end:
    .byte 0
#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
