from make_book.cli import main

main()
