// A JIT-compiled hot method for cprof's Java test: main calls hotLoop
// until SECONDS (args[0], default 3) have passed.
public class Hot {
    static long hotLoop(long n) {
        long s = 0;
        for (long i = 0; i < n; i++)
            s += i * i ^ (s >>> 3);
        return s;
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        long end = System.currentTimeMillis() + (long) (seconds * 1000), s = 0;
        while (System.currentTimeMillis() < end)
            s += hotLoop(1000000);
        System.out.println(s);
    }
}
