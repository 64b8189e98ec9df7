from sim.app import main

main()
