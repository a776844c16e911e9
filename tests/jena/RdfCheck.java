// Parses RDF files with Apache Jena RIOT (`riot --validate`, as the command line runs it) and
// validates those that parse with Jena's SHACL engine, all in one JVM, for the linked-data
// tests (tests/test_export_rdf.py). Run with the single-file source launcher:
//   java -cp 'jena/target/lib/*' tests/jena/RdfCheck.java SHAPES.ttl CONTEXT.ttl DATA...
// For each DATA file it prints "riot<TAB>FILE<TAB>EXIT" (0 when RIOT found no error or
// warning); for a Turtle or JSON-LD file that parsed, it validates the file together with
// CONTEXT.ttl (the day validated for) and writes DATA.report.ttl, Jena's SHACL report.
import java.io.FileOutputStream;
import java.io.OutputStream;
import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.sparql.graph.GraphFactory;

public class RdfCheck {
    /** riot's own command, whose constructor is for subclasses. */
    static class Riot extends riotcmd.riot {
        Riot(String... argv) { super(argv); }
    }

    public static void main(String[] args) throws Exception {
        Shapes shapes = Shapes.parse(RDFDataMgr.loadGraph(args[0]));
        Graph context = RDFDataMgr.loadGraph(args[1]);
        for (int i = 2; i < args.length; i++) {
            String file = args[i];
            int exit = new Riot("--validate", "--strict", file).mainRun(false, false);
            System.out.println("riot\t" + file + "\t" + exit);
            System.out.flush();
            if (exit != 0 || file.endsWith(".nt")) {
                continue;
            }
            Graph data = GraphFactory.createDefaultGraph();
            RDFDataMgr.read(data, file);
            context.find().forEachRemaining(data::add);
            ValidationReport report = ShaclValidator.get().validate(shapes, data);
            try (OutputStream out = new FileOutputStream(file + ".report.ttl")) {
                RDFDataMgr.write(out, report.getModel(), Lang.TURTLE);
            }
            System.out.println("shacl\t" + file + "\t" + report.conforms());
        }
    }
}
