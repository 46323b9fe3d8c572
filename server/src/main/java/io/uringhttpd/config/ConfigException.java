package io.uringhttpd.config;

import java.util.List;

/** The configuration is not usable; {@link #errors()} lists every problem found, in file order. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(summary(errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }

    private static String summary(List<ConfigError> errors) {
        StringBuilder b = new StringBuilder();
        b.append(errors.size()).append(errors.size() == 1 ? " configuration error" : " configuration errors");
        for (ConfigError e : errors) {
            b.append("\n  ").append(e.format());
        }
        return b.toString();
    }
}
