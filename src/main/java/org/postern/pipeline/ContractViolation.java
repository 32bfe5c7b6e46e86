package org.postern.pipeline;

/** The pipeline's contract was broken (a state closed twice, used after close, never closed): a bug, naming the check. */
public final class ContractViolation extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ContractViolation(String message) {
        super(message);
    }
}
