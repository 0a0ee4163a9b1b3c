package io.interp4j.app.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class FormatTest {
    @Test
    void showsUpToFourSignificantDigits() {
        assertThat(Format.cell(0.123456)).isEqualTo("0.1235");
        assertThat(Format.cell(1.0)).isEqualTo("1");
        assertThat(Format.cell(-2.5)).isEqualTo("-2.5");
        assertThat(Format.cell(1234.5)).isEqualTo("1235");
        assertThat(Format.cell(9999.6)).isEqualTo("10000");
        assertThat(Format.cell(0.001)).isEqualTo("0.001");
        assertThat(Format.cell(0.1f)).isEqualTo("0.1");
        assertThat(Format.cell(0.0)).isEqualTo("0");
        assertThat(Format.cell(-0.0)).isEqualTo("0");
    }

    @Test
    void goesScientificForVerySmallAndLarge() {
        assertThat(Format.cell(1.23456e-5)).isEqualTo("1.235e-5");
        assertThat(Format.cell(-0.0009)).isEqualTo("-9e-4");
        assertThat(Format.cell(12345.0)).isEqualTo("1.235e4");
        assertThat(Format.cell(6.02214076e23)).isEqualTo("6.022e23");
        assertThat(Format.cell(Double.MIN_VALUE)).isEqualTo("4.9e-324");
    }

    @Test
    void showsIntegersInFullAndNonFiniteAsSymbols() {
        assertThat(Format.cell(123456789L)).isEqualTo("123456789");
        assertThat(Format.cell(-3)).isEqualTo("-3");
        assertThat(Format.cell(new BigInteger("123456789012345678901234567890"))).isEqualTo("123456789012345678901234567890");
        assertThat(Format.cell(Double.NaN)).isEqualTo("NaN");
        assertThat(Format.cell(Double.POSITIVE_INFINITY)).isEqualTo("∞");
        assertThat(Format.cell(Float.NEGATIVE_INFINITY)).isEqualTo("-∞");
        assertThat(Format.cell(null)).isEmpty();
        assertThat(Format.cell(true)).isEqualTo("true");
    }

    @Test
    void formatsDurationsAndHashes() {
        assertThat(Format.seconds(0.4213)).isEqualTo("0.42 s");
        assertThat(Format.seconds(12.345)).isEqualTo("12.35 s");
        assertThat(Format.seconds(75.2)).isEqualTo("1 min 15 s");
        assertThat(Format.seconds(3725)).isEqualTo("1 h 2 min 5 s");
        assertThat(Format.shortHash("3f2a9c1d0e4b5a6978877665")).isEqualTo("3f2a9c1d0e4b");
        assertThat(Format.shortHash("abc")).isEqualTo("abc");
    }
}
