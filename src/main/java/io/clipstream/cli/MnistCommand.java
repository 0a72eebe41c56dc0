package io.clipstream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the MNIST experiment lands; listed so --help shows the full command set. */
@Command(name = "mnist", mixinStandardHelpOptions = true, hidden = true, description = "MNIST experiment")
final class MnistCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new Main.UserException("mnist: not available in this build");
    }
}
