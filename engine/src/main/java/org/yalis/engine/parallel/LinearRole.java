package org.yalis.engine.parallel;

/** Which linear layer of a Llama block a weight is: the sharding plan splits each role its own way. */
public enum LinearRole {
    Q, K, V, O, GATE, UP, DOWN, LM_HEAD
}
