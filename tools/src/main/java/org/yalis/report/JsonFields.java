package org.yalis.report;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.YalisException;

/** Required fields of a result record, with errors that name the file, the record and the field. */
final class JsonFields {
    private final JsonNode record;
    private final String where;

    /** @param where the record's place, for messages ({@code results.jsonl, record 3}) */
    JsonFields(JsonNode record, String where) {
        this.record = record;
        this.where = where;
    }

    String text(String... path) {
        JsonNode node = find(path);
        if (!node.isValueNode()) {
            throw missing(path, "a value");
        }
        return node.asText();
    }

    double number(String... path) {
        JsonNode node = find(path);
        if (!node.isNumber()) {
            throw missing(path, "a number");
        }
        return node.asDouble();
    }

    int integer(String... path) {
        JsonNode node = find(path);
        if (!node.canConvertToInt() || !node.isIntegralNumber()) {
            throw missing(path, "an integer");
        }
        return node.asInt();
    }

    long longInteger(String... path) {
        JsonNode node = find(path);
        if (!node.canConvertToLong() || !node.isIntegralNumber()) {
            throw missing(path, "an integer");
        }
        return node.asLong();
    }

    private JsonNode find(String... path) {
        JsonNode node = record;
        for (String name : path) {
            node = node.path(name);
        }
        return node;
    }

    private YalisException missing(String[] path, String what) {
        return new YalisException(where + ": field '" + String.join(".", path) + "' should be " + what + ", found "
                + (find(path).isMissingNode() ? "nothing" : find(path).toString()));
    }
}
