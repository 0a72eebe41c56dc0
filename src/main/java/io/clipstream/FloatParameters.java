package io.clipstream;

/**
 * The one rule for configuration values that the arithmetic uses as floats (step sizes, fixed clip levels, the L2
 * coefficient): a value is usable only if it rounds to a finite float {@code > 0}. A double such as {@code 1e300}
 * would become {@code Infinity}, and {@code 1e-60} would become 0 (silently switching the term off), so both are
 * refused where they are given, with a message that names the value and what it rounds to.
 */
final class FloatParameters {
    private FloatParameters() {
    }

    /**
     * @return {@code value}
     * @throws IllegalArgumentException unless {@code (float) value} is finite and {@code > 0}
     */
    static double checkPositiveFloat(String what, double value) {
        float f = (float) value;
        if (!(f > 0 && f <= Float.MAX_VALUE)) {
            throw new IllegalArgumentException(what + " must round to a finite float > 0 (it is used as one): " + value
                    + " rounds to " + f);
        }
        return value;
    }
}
