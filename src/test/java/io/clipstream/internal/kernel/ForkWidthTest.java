package io.clipstream.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The build runs the kernel package three times (default, -XX:MaxVectorSize=32, =16) to cover the production path at
 * 512, 256 and 128 bits. This checks that each fork really got its flag: the execution passes the width it means to
 * test as clipstream.test.expectedBits, and the production kernels of this JVM must have exactly that width.
 */
class ForkWidthTest {

    @Test
    void productionKernelsHaveTheWidthThisForkIsFor() {
        String maxVectorSize = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("MaxVectorSize").getValue();
        System.out.println("fork: MaxVectorSize=" + maxVectorSize + " preferred=" + FloatVector.SPECIES_PREFERRED
                + " production=" + KernelProvider.kernels().name());
        String expected = System.getProperty("clipstream.test.expectedBits");
        if (expected != null) {
            assertEquals(Integer.parseInt(expected), KernelProvider.kernels().vectorBitSize(),
                    "MaxVectorSize=" + maxVectorSize);
        }
    }
}
