# Test tools: $(BUILD)/<name>-tool from tests/tools/<name>_tool.c and the
# library (the integration tier runs them). Included by the Makefile after
# its own rules, so $(BUILD), $(CFLAGS) and the %.o rule are defined.
TOOLS_SRC := $(sort $(wildcard tests/tools/*_tool.c))
TOOLS_BIN := $(patsubst tests/tools/%_tool.c,$(BUILD)/%-tool,$(TOOLS_SRC))

.PHONY: tools
.PRECIOUS: $(BUILD)/tests/tools/%.o
tools: $(TOOLS_BIN)

$(BUILD)/%-tool: $(BUILD)/tests/tools/%_tool.o $(BUILD)/libsvcnet.a
	$(CC) $(CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(TOOLS_SRC:%.c=$(BUILD)/%.d)
