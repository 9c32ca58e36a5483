/* tools/install-prefix looks for this to tell our proxy DLL from Wine's. */
__attribute__((used)) static const char qmgrprxy_marker[] = "Background Intelligent Transfer Service for Wine";
