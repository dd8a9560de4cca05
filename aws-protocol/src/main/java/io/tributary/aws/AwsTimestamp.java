package io.tributary.aws;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * A timestamp in a response document. AWS JSON writes it as epoch seconds with a fraction
 * ({@code 1732623456.789}); CBOR as an integer of epoch milliseconds under tag 1, as the AWS SDKs expect.
 *
 * @param epochMillis milliseconds since the epoch
 */
public record AwsTimestamp(long epochMillis) {

    static final class Serializer extends StdSerializer<AwsTimestamp> {

        Serializer() {
            super(AwsTimestamp.class);
        }

        @Override
        public void serialize(AwsTimestamp value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (gen instanceof CBORGenerator cbor) {
                cbor.writeTag(1);
                cbor.writeNumber(value.epochMillis());
            } else {
                gen.writeNumber(BigDecimal.valueOf(value.epochMillis(), 3));
            }
        }
    }
}
