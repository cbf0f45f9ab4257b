# mk/fuzz.mk: libFuzzer targets, one per parser (tests/fuzz/fuzz_*.c).
#
#   make fuzz                      build them all into build/fuzz/
#   build/fuzz/fuzz_X -max_total_time=60 tests/fuzz/corpus/X   run one
#
# The core is rebuilt with clang, -fsanitize=fuzzer-no-link and ASan/UBSan,
# into build/fuzz/obj, so a crash points at our code.
B        := build/fuzz
CC       := clang
PKGS     := libarchive libseccomp sqlite3 jansson libcurl libcrypto yaml-0.1 libmnl libcmark-gfm libnftables
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer
CFLAGS_F := -std=c11 -O1 -g -Wall -Wextra -Wno-unused-parameter $(SAN) -fsanitize=fuzzer-no-link \
	$(shell pkg-config --cflags $(PKGS))
LIBS     := $(shell pkg-config --libs $(PKGS)) -lpthread

SRC   := $(wildcard engine/core/*.c engine/cmd/*.c course/*.c gen/*.c grader/*.c)
OBJ   := $(patsubst %.c,$(B)/obj/%.o,$(SRC))
FUZZ  := $(patsubst tests/fuzz/%.c,$(B)/%,$(wildcard tests/fuzz/fuzz_*.c))

all: $(FUZZ)

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC(fuzz) $<"
	@$(CC) $(CFLAGS_F) -c $< -o $@

$(B)/%: tests/fuzz/%.c $(OBJ)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	@$(CC) $(CFLAGS_F) -fsanitize=fuzzer -o $@ $< $(OBJ) $(LIBS)
